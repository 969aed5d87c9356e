from django.apps import AppConfig


class CafConfig(AppConfig):
    name = "caf"
