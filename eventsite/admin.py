from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from discounts.models import DiscountCode
from tickets.models import Ticket

from .admin_scoping import EventScopedAdmin, EventScopedInline, is_superuser
from .models import Event, User


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = EmailUserCreationForm
    form = EmailUserChangeForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class ReadOnlyInline(EventScopedInline, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventTicketInline(ReadOnlyInline):
    model = Ticket
    fields = ("name", "type", "price", "quantity", "discount_code", "is_hidden")


class EventDiscountCodeInline(ReadOnlyInline):
    model = DiscountCode
    fields = ("code", "used_for", "type", "value", "is_active", "valid_from", "valid_till")


@admin.register(Event)
class EventAdmin(EventScopedAdmin):
    list_display = ("name", "identifier", "starts_at", "ends_at", "payment_currency", "owner")
    search_fields = ("name", "identifier")
    list_filter = ("payment_currency",)
    list_select_related = ("owner",)
    readonly_fields = ("identifier", "created_at")
    filter_horizontal = ("organizers",)
    inlines = [EventTicketInline, EventDiscountCodeInline]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if is_superuser(request.user):
            return fields
        # Choosing users would list every account; who runs an event is a superuser's decision.
        return (*fields, "owner", "organizers")

    def has_delete_permission(self, request, obj=None):
        """Deleting an event deletes its tickets and codes (the confirmation lists them): its owner's call."""
        if obj is not None and not is_superuser(request.user):
            return obj.owner_id == request.user.pk
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user  # an organizer creating an event owns it
        super().save_model(request, obj, form, change)
