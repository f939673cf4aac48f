"""The campaign tools in the admin: generate codes, import/export CSV (django-import-export, with its preview).
The report pages of codes (from orders) are added by ``orders.admin``.

Nothing here decides a rule or writes a row itself: generation calls ``generation.generate_codes``; the CSV
resource is a thin adapter whose preview is ``imports.plan_import`` and whose write is
``imports.import_codes`` (all or nothing, by line). Every page is scoped to the user's events like the rest
of the admin.
"""

from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from import_export import fields, resources
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult
from tablib import Dataset

from eventsite.access import manages_any_event, scope_to_managed
from eventsite.errors import RuleError
from eventsite.models import Event

from . import csv_format, generation, import_previews, imports
from .models import DiscountCode, DiscountType, UsedFor

# CSV through django-import-export ------------------------------------------------------------------------------


class DiscountCodeCsvResource(resources.ModelResource):
    """The columns of ``csv_format.COLUMNS``; rows are planned and written by ``discounts.imports``."""

    code = fields.Field(attribute="code", column_name="code")
    discount_type = fields.Field(column_name="discount_type")
    value = fields.Field(column_name="value")
    used_for = fields.Field(column_name="used_for")
    is_active = fields.Field(column_name="is_active")
    tickets_number = fields.Field(column_name="tickets_number")
    min_quantity = fields.Field(column_name="min_quantity")
    max_quantity = fields.Field(column_name="max_quantity")
    valid_from = fields.Field(column_name="valid_from")
    valid_till = fields.Field(column_name="valid_till")
    discount_url = fields.Field(column_name="discount_url")
    tickets = fields.Field(column_name="tickets")

    class Meta:
        model = DiscountCode
        fields = csv_format.COLUMNS[:-1]
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, event: Event | None = None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.event = event
        self.user = user
        self.plan: imports.ImportPlan | None = None

    # Export: the same rows as ``manage.py export_codes``.
    def export(self, queryset=None, **kwargs) -> Dataset:
        codes = (queryset if queryset is not None else DiscountCode.objects.none()).select_related("event")
        dataset = Dataset(headers=list(csv_format.COLUMNS))
        for row in csv_format.export_table(codes.order_by("event_id", "pk")):
            dataset.append(row)
        return dataset

    # Import: plan every row up front (one pass, a few queries), then report each row from the plan.
    def before_import(self, dataset, **kwargs):
        if self.event is None:
            raise RuleError([])
        self.plan = imports.plan_import(event=self.event, table=table_of(dataset))
        if self.plan.file_problems:
            raise RuleError(self.plan.file_problems)

    def import_row(self, row, instance_loader, **kwargs):
        result = RowResult()
        planned = self._planned(kwargs["row_number"])
        if planned is None:
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        result.object_repr = planned.code.code
        result.object_id = planned.code.pk
        result.diff = [_cell(planned, column) for column in self.get_diff_headers()]
        if planned.problems:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = _validation_error(planned)
        else:
            result.import_type = {
                imports.Action.NEW: RowResult.IMPORT_TYPE_NEW,
                imports.Action.UPDATE: RowResult.IMPORT_TYPE_UPDATE,
                imports.Action.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
            }[planned.action]
        return result

    def after_import(self, dataset, result, **kwargs):
        # The write: only for a confirmed import of a valid file, all rows or none (re-planned under locks).
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        imports.import_codes(event=self.event, table=table_of(dataset), marketer=self.user)

    def get_diff_headers(self):
        return list(csv_format.COLUMNS[:-1])

    def _planned(self, row_number: int):
        if self.plan is None or row_number > len(self.plan.rows):
            return None
        return self.plan.rows[row_number - 1]


def table_of(dataset: Dataset) -> csv_format.CsvTable:
    return csv_format.table_of(dataset.headers or [], dataset)


def _cell(planned: imports.PlannedRow, column: str) -> str:
    after = planned.after.get(column, "")
    if column in planned.changed and planned.before:
        return format_html("<del>{}</del> <ins>{}</ins>", planned.before.get(column, ""), after)
    return format_html("{}", after)


def _validation_error(planned: imports.PlannedRow):
    return ValidationError({"__all__": [f"Line {planned.line}: {problem.message}" for problem in planned.problems]})


class EventChoice(forms.ModelChoiceField):
    def label_from_instance(self, event):
        return f"{event.name} ({event.identifier})"


def event_search_widget() -> AutocompleteSelect:
    """The event, searched as one types (the admin's autocomplete of a code's event, scoped to the user's events),
    instead of a <select> of every event: a superuser's 1,000 events made these pages 70 KiB."""
    return AutocompleteSelect(DiscountCode._meta.get_field("event"), admin.site)


FILE_TOO_LARGE = "The file has {size:,} bytes; at most {max:,} bytes are imported at once."


class CodeImportForm(ImportForm):
    event = EventChoice(
        queryset=Event.objects.none(),
        help_text="The codes are created or updated in this event.",
        widget=event_search_widget(),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = scope_to_managed(Event.objects.all(), user)

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_BYTES:  # before a byte of it is read
            raise forms.ValidationError(FILE_TOO_LARGE.format(size=upload.size, max=settings.IMPORT_MAX_BYTES))
        return upload


class CodeConfirmImportForm(ConfirmImportForm):
    """The confirmation: ``import_file_name`` is the signed name of this session's preview (``import_previews``);
    a valid form holds the file itself in ``cleaned_data["preview"]``, taken out of the cache."""

    event = forms.ModelChoiceField(queryset=Event.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["import_file_name"].error_messages["required"] = import_previews.unknown_message()
        self.fields["event"].queryset = scope_to_managed(Event.objects.all(), request.user if request else None)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                cleaned["preview"] = import_previews.take(self.request, cleaned["import_file_name"])
            except import_previews.PreviewUnknown:
                raise forms.ValidationError(import_previews.unknown_message(), code="preview_unknown") from None
        return cleaned


class PreviewInMemory:
    """What django-import-export reads the preview from: the upload itself, held by no temporary storage."""

    name = None

    def __init__(self, data: bytes):
        self.data = data

    def read(self) -> bytes:
        return self.data


class CampaignImportExportMixin(ImportExportMixin):
    resource_classes = [DiscountCodeCsvResource]
    import_form_class = CodeImportForm
    confirm_form_class = CodeConfirmImportForm
    formats = [CSV]
    skip_admin_log = True  # the rows are written in bulk by imports.import_codes, not one by one

    def has_import_permission(self, request):
        return manages_any_event(request)

    def has_export_permission(self, request):
        return manages_any_event(request)

    def get_import_form_kwargs(self, request):
        return super().get_import_form_kwargs(request) | {"user": request.user}

    def get_confirm_form_kwargs(self, request, import_form=None):
        return super().get_confirm_form_kwargs(request, import_form) | {"request": request}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["event"] = import_form.cleaned_data["event"].pk
            # Only a valid preview is kept (this is called when it may be confirmed), for this session only.
            upload = import_form.cleaned_data["import_file"]
            name, replaced = import_previews.keep(request, b"".join(upload.chunks()))
            initial["import_file_name"] = name
            if replaced is not None:
                when = timezone.localtime(datetime.fromtimestamp(replaced, tz=UTC)).strftime("%H:%M")
                messages.warning(
                    request, import_previews.PREVIEW_REPLACED.format(n=settings.IMPORT_PREVIEWS_PER_USER, when=when)
                )
        return initial

    def write_to_tmp_storage(self, import_file, input_format):
        """The preview reads the upload in memory (at most ``IMPORT_MAX_BYTES``); nothing is written anywhere."""
        return PreviewInMemory(b"".join(import_file.chunks()))

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirmation: imports this session's preview, once. Any other name is a form error that changes
        nothing (django-import-export's own step would read and delete whatever file the form names)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if confirm_form.is_valid():
            input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
                encoding=self.from_encoding
            )
            dataset = input_format.create_dataset(confirm_form.cleaned_data["preview"])
            result = self.process_dataset(dataset, confirm_form, request, **kwargs)
            return self.process_result(result, request)
        # The import page again, with a fresh upload form and the reason on top (nothing was read or removed).
        for error in dict.fromkeys(e for errors in confirm_form.errors.values() for e in errors):
            messages.error(request, error)
        form_class = self.get_import_form_class(request)
        form = form_class(self.get_import_formats(), self.get_import_resource_classes(request), user=request.user)
        context = self.admin_site.each_context(request) | {
            "title": "Import",
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "import_error_display": self.import_error_display,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        event = form.cleaned_data.get("event") if form is not None and hasattr(form, "cleaned_data") else None
        return {"event": event, "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        return kwargs


# Generation, reports ------------------------------------------------------------------------------------------


class GenerateCodesForm(forms.Form):
    event = EventChoice(queryset=Event.objects.none(), widget=event_search_widget())
    count = forms.IntegerField(min_value=1, max_value=generation.MAX_GENERATED, initial=100)
    prefix = forms.CharField(required=False, strip=False)  # bounded by the generation's rules, with their messages
    length = forms.IntegerField(initial=generation.DEFAULT_LENGTH, help_text="Characters after the prefix.")
    alphabet = forms.CharField(
        initial=generation.DEFAULT_ALPHABET, strip=False, help_text="Without look-alikes: no 0/O, no 1/I/L."
    )
    used_for = forms.ChoiceField(
        choices=UsedFor.choices,
        initial=UsedFor.EVENT,
        help_text="Generated codes take no tickets (a ticket carries one code): ticket codes are attached later, "
        "one per ticket.",
    )
    type = forms.ChoiceField(choices=DiscountType.choices, label="discount type")
    value = forms.DecimalField(max_digits=12, decimal_places=2)
    tickets_number = forms.IntegerField(
        required=False, min_value=0, label="uses per code", help_text="Empty: unlimited; 1: single use."
    )
    min_quantity = forms.IntegerField(initial=1, min_value=0)
    max_quantity = forms.IntegerField(required=False, min_value=0)
    valid_from = forms.SplitDateTimeField(required=False, widget=admin.widgets.AdminSplitDateTime)
    valid_till = forms.SplitDateTimeField(
        required=False, widget=admin.widgets.AdminSplitDateTime, help_text="Empty: the event's end."
    )
    is_active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = scope_to_managed(Event.objects.all(), user)


class CampaignAdminMixin(CampaignImportExportMixin):
    """Mixed into DiscountCodeAdmin: extra pages under /admin/discounts/discountcode/."""

    change_list_template = "admin/discounts/discountcode/campaign_change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [
            path("generate/", wrap(self.generate_view), name="discounts_discountcode_generate"),
        ]
        return own + super().get_urls()

    def page_context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def generate_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = GenerateCodesForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            event = data.pop("event")
            options = {name: data.pop(name) for name in ("count", "prefix", "length", "alphabet")}
            if data["valid_from"] is None:
                data.pop("valid_from")
            try:
                codes = generation.generate_codes(event=event, marketer=request.user, **options, **data)
            except RuleError as error:
                for problem in error.problems:
                    form.add_error(problem.field if problem.field in form.fields else None, problem.message)
            else:
                self.message_user(request, f"Generated {len(codes)} codes for {event.name}.", messages.SUCCESS)
                url = reverse("admin:discounts_discountcode_changelist", current_app=self.admin_site.name)
                return HttpResponseRedirect(f"{url}?event__id__exact={event.pk}")
        context = self.page_context(request, "Generate discount codes", form=form, media=self.media + form.media)
        return TemplateResponse(request, "admin/discounts/discountcode/generate.html", context)
