from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark tooling: the scale data generator. It may import any module (it is not a plugin)."""

    name = "bench"
    label = "bench"
    verbose_name = "Benchmark tooling"
