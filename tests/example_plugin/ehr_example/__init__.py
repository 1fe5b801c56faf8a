"""An example third-party plugin: the smallest complete use of every hook, for plugin authors to copy."""

# Every call of a per-clinic hook is recorded here so tests can prove which clinics were served.
CALLS: list[tuple[str, int]] = []
# Every event payload the example heard, in order, so tests can check what an emitter sent.
HEARD: list = []
