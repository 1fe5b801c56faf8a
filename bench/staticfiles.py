"""Hashed static files for the benchmark, tolerant of a vendored script whose source map is not shipped:
the ``sourceMappingURL`` comment is left as it is instead of failing collectstatic. Browsers only fetch
source maps with developer tools open, so the measured pages are the same."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class BenchStaticFilesStorage(ManifestStaticFilesStorage):
    def hashed_name(self, name, content=None, filename=None):
        if name.endswith(".map") and content is None and not self.exists(self.clean_name(name)):
            return name
        return super().hashed_name(name, content, filename)
