from django.urls import path

from . import report_views, views

orders = views.OrderViewSet

urlpatterns = [
    path("orders/calculate-amount", views.QuoteView.as_view(), name="order-quote"),
    path("orders", orders.as_view({"get": "list", "post": "create"}), name="order-list"),
    path("orders/<id:pk>", orders.as_view({"get": "retrieve", "patch": "partial_update"}), name="order-detail"),
    path("events/<id:event_pk>/orders", orders.as_view({"get": "list"}), name="event-orders"),
    path("discount-codes/<id:code_pk>/orders", orders.as_view({"get": "list"}), name="discount-code-orders"),
    path("orders/<id:order_pk>/tickets", views.OrderTicketViewSet.as_view({"get": "list"}), name="order-tickets"),
    # The reports of codes, from orders (orders/report_views.py).
    path(
        "events/<id:event_pk>/discount-code-report",
        report_views.EventCodeRankingView.as_view(),
        name="event-discount-code-report",
    ),
    path("discount-codes/<id:pk>/report", report_views.CodeReportView.as_view(), name="discount-code-report"),
]
