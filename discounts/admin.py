"""Admin for discount codes: the tickets of a ticket code are attached and detached here, through the rules."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html

from eventsite.errors import RuleError
from tickets.models import Ticket, TicketType

from . import rules
from .models import DiscountCode, UsedFor

EVENT_CODE_NOTE = "This code applies to every paid ticket of its event; it takes no tickets of its own."


class DiscountCodeForm(forms.ModelForm):
    attach = forms.ModelMultipleChoiceField(
        queryset=Ticket.objects.none(),
        required=False,
        label="Attach tickets",
        help_text="Tickets of the code's event that are not free and have no other code.",
        widget=FilteredSelectMultiple("tickets", is_stacked=False),
    )
    discount_url = forms.URLField(max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = DiscountCode
        fields = (
            "event",
            "code",
            "used_for",
            "is_active",
            "type",
            "value",
            "discount_url",
            "tickets_number",
            "min_quantity",
            "max_quantity",
            "valid_from",
            "valid_till",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = Ticket.objects.filter(discount_code__isnull=True).exclude(type=TicketType.FREE)
        if self.instance.event_id:
            candidates = candidates.filter(event_id=self.instance.event_id)
        self.fields["attach"].queryset = candidates.select_related("event").order_by("event_id", "position", "pk")

    def validate_unique(self):
        """Validate through the rules module (not the model's constraints), so messages match the API's."""
        original = DiscountCode.objects.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            rules.raise_if(
                rules.code_problems(
                    code=self.instance, tickets=self.cleaned_data.get("attach") or [], original=original
                )
            )
        except RuleError as error:
            self._update_errors(error.as_validation_error(fields=self._rule_fields()))

    def _rule_fields(self) -> set[str]:
        fields = set(self.fields)
        if "attach" in fields:
            fields.add("tickets")
        return fields

    def _update_errors(self, errors):
        # A rule about "tickets" belongs to the attach field on this form.
        if hasattr(errors, "error_dict") and "tickets" in errors.error_dict:
            errors.error_dict.setdefault("attach", []).extend(errors.error_dict.pop("tickets"))
        super()._update_errors(errors)


class AttachedTicketForm(forms.ModelForm):
    detach = forms.BooleanField(required=False, label="Detach")

    class Meta:
        model = Ticket
        fields = ()


class AttachedTicketFormSet(forms.BaseInlineFormSet):
    """Lists a code's tickets; a ticked “Detach” detaches (never deletes) and nothing else is written."""

    def to_detach(self) -> list[Ticket]:
        return [f.instance for f in self.forms if f.cleaned_data.get("detach")]

    def save(self, commit=True):
        # The admin reads these for its change message; nothing is created, changed or deleted here.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class AttachedTicketInline(admin.TabularInline):
    model = Ticket
    fk_name = "discount_code"
    form = AttachedTicketForm
    formset = AttachedTicketFormSet
    fields = ("name", "type", "price", "quantity", "sales_starts_at", "sales_ends_at", "detach")
    readonly_fields = ("name", "type", "price", "quantity", "sales_starts_at", "sales_ends_at")
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "attached ticket"
    verbose_name_plural = "attached tickets"

    def has_add_permission(self, request, obj=None):
        return False


class ValidityFilter(admin.SimpleListFilter):
    title = "validity"
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("active", "Valid now"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(valid_from__gt=now)
        if self.value() == "active":
            return queryset.filter(valid_from__lte=now).exclude(valid_till__lte=now)
        if self.value() == "expired":
            return queryset.filter(valid_till__lte=now)
        return queryset


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    form = DiscountCodeForm
    inlines = [AttachedTicketInline]
    list_display = (
        "code",
        "event",
        "used_for",
        "discount",
        "is_active",
        "validity",
        "ticket_count",
        "tickets_number",
        "valid_from",
        "valid_till",
    )
    list_filter = ("event", "used_for", "type", "is_active", ValidityFilter)
    list_select_related = ("event",)
    search_fields = ("code", "event__name")
    readonly_fields = ("marketer", "created_at")
    fieldsets = (
        (None, {"fields": ("event", "code", "used_for", "is_active")}),
        ("Discount", {"fields": ("type", "value", "discount_url")}),
        ("Limits", {"fields": ("tickets_number", "min_quantity", "max_quantity", "valid_from", "valid_till")}),
        ("Tickets", {"fields": ("attach",)}),
        ("History", {"fields": ("marketer", "created_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ticket_total=Count("tickets"))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            # Fixed after creation (rules.USED_FOR_FIXED, rules.EVENT_FIXED).
            fields = (*fields, "event", "used_for")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.used_for == UsedFor.EVENT:
            return [fs for fs in fieldsets if fs[0] != "Tickets"] + [
                ("Tickets", {"fields": (), "description": EVENT_CODE_NOTE})
            ]
        return fieldsets

    def get_inlines(self, request, obj):
        if obj is None or obj.used_for == UsedFor.EVENT:
            return []
        return super().get_inlines(request, obj)

    @admin.display(description="discount")
    def discount(self, obj: DiscountCode) -> str:
        return obj.formatted_value()

    @admin.display(description="tickets", ordering="ticket_total")
    def ticket_count(self, obj: DiscountCode):
        return obj.ticket_total if obj.used_for == UsedFor.TICKET else "all paid"

    @admin.display(description="validity")
    def validity(self, obj: DiscountCode) -> str:
        now = timezone.now()
        if not obj.is_active:
            state, colour = "inactive", "#777"
        elif obj.valid_from and obj.valid_from > now:
            state, colour = "upcoming", "#2b6cb0"
        elif obj.valid_till and obj.valid_till <= now:
            state, colour = "expired", "#c53030"
        else:
            state, colour = "active", "#2f855a"
        return format_html('<span style="color:{};font-weight:bold">{}</span>', colour, state)

    # Writes go through the rules module; the admin's own transaction wraps the whole request.
    def save_model(self, request, obj, form, change):
        if change:
            rules.save_code_changes(obj)
        else:
            if obj.marketer_id is None:
                obj.marketer = request.user
            rules.save_new_code(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        attach = list(form.cleaned_data.get("attach") or [])
        if attach:
            rules.attach_tickets(code=form.instance, tickets=attach)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, AttachedTicketFormSet):
            rules.detach_tickets(code=form.instance, tickets=formset.to_detach())
            formset.save()
        else:
            super().save_formset(request, form, formset, change)

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        attached = [t.name for t in form.cleaned_data.get("attach") or []]
        detached = [
            f.instance.name
            for formset in formsets
            if isinstance(formset, AttachedTicketFormSet)
            for f in formset.forms
            if f.cleaned_data.get("detach")
        ]
        if attached:
            message.append({"changed": {"fields": [f"attached tickets: {', '.join(attached)}"]}})
        if detached:
            message.append({"changed": {"fields": [f"detached tickets: {', '.join(detached)}"]}})
        return message

    # Deleting a code keeps its tickets: they are detached first (rules.delete_code).
    def delete_model(self, request, obj):
        rules.delete_code(code=obj)

    def delete_queryset(self, request, queryset):
        rules.delete_codes(codes=queryset)

    def get_deleted_objects(self, objs, request):
        codes = list(objs)
        tickets = Ticket.objects.filter(discount_code__in=codes).order_by("discount_code_id", "position", "pk")
        by_code: dict[int, list[str]] = {}
        for ticket in tickets:
            by_code.setdefault(ticket.discount_code_id, []).append(
                f"Ticket “{ticket.name}” is detached and stays on sale at full price (not deleted)"
            )
        to_delete = []
        for code in codes:
            to_delete.append(f"Discount code: {code.code}")
            if by_code.get(code.pk):
                to_delete.append(by_code[code.pk])
        perms_needed = set() if self.has_delete_permission(request) else {"discount code"}
        return to_delete, {"discount codes": len(codes)}, perms_needed, []
