from django.apps import AppConfig


class GridworkConfig(AppConfig):
    name = "jiceng.gridwork"
    label = "gridwork"
    verbose_name = "网格工作"
