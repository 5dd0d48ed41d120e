from django.urls import path

from jiceng.command import api

urlpatterns = [
    path("stats/kpis/", api.KpiView.as_view(), name="api-stats-kpis"),
    path("stats/trend/", api.TrendView.as_view(), name="api-stats-trend"),
    path("stats/map/", api.MapView.as_view(), name="api-stats-map"),
    path("stats/geo/", api.GeoView.as_view(), name="api-stats-geo"),
    path("stats/rankings/", api.RankingView.as_view(), name="api-stats-rankings"),
    path("stats/feed/", api.FeedView.as_view(), name="api-stats-feed"),
    path("stats/hot-topics/", api.HotTopicView.as_view(), name="api-stats-hot-topics"),
    path("stats/workers/", api.WorkerView.as_view(), name="api-stats-workers"),
    path("stats/care/", api.CareView.as_view(), name="api-stats-care"),
    path("stats/grid-cases/", api.GridCasesView.as_view(), name="api-stats-grid-cases"),
    path("stats/safety-index/", api.SafetyIndexView.as_view(), name="api-stats-safety-index"),
    path("stats/evaluation/", api.EvaluationView.as_view(), name="api-stats-evaluation"),
    path("stats/categories/", api.CategoryView.as_view(), name="api-stats-categories"),
    path("stats/weights/", api.WeightsView.as_view(), name="api-stats-weights"),
]
