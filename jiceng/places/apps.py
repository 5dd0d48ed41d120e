from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "jiceng.places"
    label = "places"
    verbose_name = "地址库"
