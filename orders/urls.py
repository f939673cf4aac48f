from django.urls import path

from . import views

orders = views.OrderViewSet

urlpatterns = [
    path("orders/calculate-amount", views.QuoteView.as_view(), name="order-quote"),
    path("orders", orders.as_view({"get": "list", "post": "create"}), name="order-list"),
    path("orders/<id:pk>", orders.as_view({"get": "retrieve", "patch": "partial_update"}), name="order-detail"),
    path("events/<id:event_pk>/orders", orders.as_view({"get": "list"}), name="event-orders"),
    path("discount-codes/<id:code_pk>/orders", orders.as_view({"get": "list"}), name="discount-code-orders"),
]
