from django.apps import AppConfig


class ExampleConfig(AppConfig):
    name = "ehr_example"
    label = "ehr_example"
    verbose_name = "Example plugin"
