"""Admin CSV import files belong to their importer (issue 12, attack 7). On main the confirmation took a temporary
file's name from the form, imported any CSV of the temp folder into the importer's event and deleted it (another
organizer's unconfirmed preview; a ``.txt`` too); a missing name was a 500; unconfirmed previews stayed on disk.

Now a preview is kept in the default cache under a random id signed for the uploading session
(``discounts/import_previews.py``): any other name is a form error that reads and removes nothing, a preview is
confirmed once, and it expires."""

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from import_export.admin import ImportMixin

from discounts import csv_format, import_previews, imports
from discounts.admin_campaigns import FILE_TOO_LARGE, CampaignImportExportMixin
from discounts.models import DiscountCode

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:discounts_discountcode_import")
PROCESS_IMPORT = reverse("admin:discounts_discountcode_process_import")
HEADER = ",".join(csv_format.COLUMNS)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def preview(client, event, rows="SECRETA1,amount,5.00,event,true,,1,,,,,,\n"):
    response = client.post(
        IMPORT,
        {
            "event": event.pk,
            "format": "0",
            "import_file": SimpleUploadedFile("codes.csv", (HEADER + "\n" + rows).encode()),
        },
    )
    assert response.status_code == 200
    form = response.context["confirm_form"]
    assert form is not None, response.content.decode()[:2000]
    return {name: form.initial.get(name, "") for name in form.fields}


def confirm(client, data):
    return client.post(PROCESS_IMPORT, data)


def refused(response) -> bool:
    """The import page again with the reason, not a redirect to the list after an import."""
    return response.status_code == 200 and import_previews.PREVIEW_UNKNOWN in response.content.decode()


def entry_of(name: str):
    ident = name.rsplit(":", 1)[0]
    return caches["default"].get(import_previews.KEY_PREFIX + ident)


def test_a_preview_is_confirmed_into_the_importers_event(organizer, event):
    client = logged_in(organizer)
    data = preview(client, event)
    assert entry_of(data["import_file_name"])["data"].startswith(HEADER.encode())
    response = confirm(client, data)
    assert response.status_code == 302
    assert list(DiscountCode.objects.values_list("event", "code")) == [(event.pk, "SECRETA1")]
    assert entry_of(data["import_file_name"]) is None  # removed after the confirmation


def test_another_organizers_preview_is_refused_and_left_alone(organizer, event, other_organizer, other_event):
    owner = logged_in(organizer)
    mine = preview(owner, event)
    rival = logged_in(other_organizer)
    # The rival names the organizer's preview with their own event, and with the organizer's event.
    for event_pk in (other_event.pk, event.pk):
        response = confirm(rival, mine | {"event": event_pk})
        assert response.status_code == 200
        assert not DiscountCode.objects.exists()
    assert refused(confirm(rival, mine | {"event": other_event.pk}))
    assert entry_of(mine["import_file_name"]) is not None  # untouched: its owner can still confirm it
    assert confirm(owner, mine).status_code == 302
    assert list(DiscountCode.objects.values_list("event", flat=True)) == [event.pk]


def test_the_same_user_in_another_session_cannot_confirm_it(organizer, event):
    data = preview(logged_in(organizer), event)
    assert refused(confirm(logged_in(organizer), data))  # a new log-in is a new session
    assert entry_of(data["import_file_name"]) is not None


@pytest.mark.parametrize(
    "name",
    ["", "codes.csv", "notes.txt", "../../etc/passwd", "tmpa1b2c3d4", "a" * 5000, "x:y", "abc:" + "A" * 27],
)
def test_a_made_up_name_is_a_form_error_that_touches_nothing(organizer, event, name):
    client = logged_in(organizer)
    data = preview(client, event)
    # a file in the temp folder, as on main (where the confirmation imported and deleted it)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as stray:
        stray.write(HEADER + "\nSTRAY,amount,5.00,event,true,,1,,,,,,\n")
    try:
        for tried in (name, Path(stray.name).name, stray.name):
            response = confirm(client, data | {"import_file_name": tried})
            assert refused(response) or response.status_code == 200, response.status_code
        assert Path(stray.name).exists()
    finally:
        Path(stray.name).unlink()
    assert not DiscountCode.objects.exists()
    assert entry_of(data["import_file_name"]) is not None


def test_a_missing_name_is_a_form_error_not_a_500(organizer, event):
    client = logged_in(organizer)
    data = preview(client, event)
    del data["import_file_name"]
    assert refused(confirm(client, data))
    assert not DiscountCode.objects.exists()


def test_a_preview_is_confirmed_once(organizer, event):
    client = logged_in(organizer)
    data = preview(client, event)
    assert confirm(client, data).status_code == 302
    DiscountCode.objects.update(value=Decimal("9.00"))  # the second confirmation would write 5.00 again
    assert refused(confirm(client, data))
    assert list(DiscountCode.objects.values_list("value", flat=True)) == [Decimal("9.00")]


def test_an_expired_preview_is_refused_and_removed(organizer, event, settings, monkeypatch):
    client = logged_in(organizer)
    data = preview(client, event)
    later = import_previews.now() + settings.IMPORT_PREVIEW_SECONDS + 1
    monkeypatch.setattr(import_previews, "now", lambda: later)
    assert refused(confirm(client, data))
    assert entry_of(data["import_file_name"]) is None
    assert not DiscountCode.objects.exists()


def test_previews_are_never_written_to_a_temporary_folder(organizer, event, monkeypatch):
    def no_temp_folder(*args, **kwargs):
        raise AssertionError("a preview was written to the temporary folder")

    monkeypatch.setattr("import_export.tmp_storages.TempFolderStorage.save", no_temp_folder)
    monkeypatch.setattr("import_export.tmp_storages.TempFolderStorage.read", no_temp_folder)
    client = logged_in(organizer)
    assert confirm(client, preview(client, event)).status_code == 302


def test_a_file_larger_than_the_limit_is_a_form_error(organizer, event, settings):
    settings.IMPORT_MAX_BYTES = 100
    text = HEADER + "\n" + "BIG,amount,5.00,event,true,,1,,,,,,\n" * 3
    response = logged_in(organizer).post(
        IMPORT, {"event": event.pk, "format": "0", "import_file": SimpleUploadedFile("codes.csv", text.encode())}
    )
    assert response.status_code == 200
    assert FILE_TOO_LARGE.format(size=len(text), max=100) in response.content.decode()
    assert response.context.get("confirm_form") is None


def test_a_request_body_larger_than_any_upload_is_refused_before_it_is_read(organizer, event, settings):
    settings.IMPORT_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    text = HEADER + "\n" + "BIG,amount,5.00,event,true,,1,,,,,,\n" * 100
    response = logged_in(organizer).post(
        IMPORT, {"event": event.pk, "format": "0", "import_file": SimpleUploadedFile("codes.csv", text.encode())}
    )
    assert response.status_code == 400
    assert not DiscountCode.objects.exists()


def test_a_file_with_too_many_rows_is_refused(organizer, event, monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORTED_ROWS", 2)
    rows = "".join(f"ROW{i},amount,5.00,event,true,,1,,,,,,\n" for i in range(3))
    client = logged_in(organizer)
    response = client.post(
        IMPORT,
        {
            "event": event.pk,
            "format": "0",
            "import_file": SimpleUploadedFile("codes.csv", (HEADER + "\n" + rows).encode()),
        },
    )
    assert imports.TOO_MANY_ROWS.format(max=2) in response.content.decode()
    assert response.context.get("confirm_form") is None


def test_every_import_in_the_admin_keeps_its_previews_for_their_owner(settings):
    importers = [type(m) for m in admin.site._registry.values() if isinstance(m, ImportMixin)]
    assert importers
    assert all(issubclass(cls, CampaignImportExportMixin) for cls in importers), importers
    assert settings.IMPORT_EXPORT_TMP_STORAGE_CLASS == "import_export.tmp_storages.CacheStorage"
