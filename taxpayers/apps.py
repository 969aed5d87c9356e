from django.apps import AppConfig


class TaxpayersConfig(AppConfig):
    name = "taxpayers"
