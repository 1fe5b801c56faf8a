"""The core API's resources, one router per module; ``core.api.resources`` mounts them."""
