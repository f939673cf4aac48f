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
from django.conf import settings
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
    return response.status_code == 200 and import_previews.unknown_message() in response.content.decode()


def entry_of(name: str):
    """The cache entry the signed ``name`` leads to (looked for in every user's places), or ``None``."""
    from eventsite.models import User

    ident = name.rsplit(":", 1)[0].split(".", 1)[1]
    for pk in User.objects.values_list("pk", flat=True):
        for slot in range(settings.IMPORT_PREVIEWS_PER_USER):
            entry = caches["default"].get(import_previews._slot_key(pk, slot))
            if entry is not None and entry["ident"] == ident:
                return entry
    return None


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


# Bounded per user: on main (and before this change) every upload left a preview until it expired


def previews_in_cache() -> list[bytes]:
    """The data of every preview the cache holds, whoever made it, read from the store itself."""
    import pickle

    from django.db import connection

    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        return [pickle.loads(client.get(key))["data"] for key in client.keys("*import-preview:*")]
    import base64

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value FROM {settings.DATABASE_CACHE_TABLE} WHERE cache_key LIKE %s", ["%import-preview:%"]
        )
        return [pickle.loads(base64.b64decode(row[0]))["data"] for row in cursor.fetchall()]


def test_a_user_holds_at_most_a_few_previews_and_a_new_one_replaces_the_oldest(organizer, event, settings):
    settings.IMPORT_PREVIEWS_PER_USER = 3
    client = logged_in(organizer)
    names = [preview(client, event, rows=f"SECRET{n},amount,5.00,event,true,,1,,,,,,\n") for n in range(5)]
    assert len(previews_in_cache()) == 3
    # the two oldest gave way: a clear refusal that imports nothing
    for data in names[:2]:
        response = confirm(client, data)
        assert refused(response)
        assert "at most 3 unconfirmed previews are kept per user" in response.content.decode()
    assert not DiscountCode.objects.exists()
    # the three newest are still there, each confirmable
    for data in names[2:]:
        assert confirm(client, data).status_code == 302
    assert sorted(DiscountCode.objects.values_list("code", flat=True)) == ["SECRET2", "SECRET3", "SECRET4"]
    assert previews_in_cache() == []


def test_the_upload_page_says_when_a_preview_replaced_the_oldest(organizer, event, settings):
    settings.IMPORT_PREVIEWS_PER_USER = 1
    client = logged_in(organizer)
    preview(client, event)
    text = HEADER + "\nNEWER1,amount,5.00,event,true,,1,,,,,,\n"
    response = client.post(
        IMPORT, {"event": event.pk, "format": "0", "import_file": SimpleUploadedFile("codes.csv", text.encode())}
    )
    assert response.context["confirm_form"] is not None
    assert "At most 1 unconfirmed previews are kept per user: your oldest, uploaded at" in response.content.decode()


def test_new_sessions_give_a_user_no_more_places(organizer, event, settings):
    """Logging in again is a new session (whose previews only it may confirm), not a new allowance."""
    settings.IMPORT_PREVIEWS_PER_USER = 2
    for _ in range(4):
        preview(logged_in(organizer), event)
    assert len(previews_in_cache()) == 2


def test_one_users_uploads_never_displace_anothers_previews(organizer, event, other_organizer, other_event, settings):
    settings.IMPORT_PREVIEWS_PER_USER = 2
    rival = logged_in(other_organizer)
    theirs = preview(rival, other_event, rows="THEIRS1,amount,5.00,event,true,,1,,,,,,\n")
    client = logged_in(organizer)
    for _ in range(5):
        preview(client, event)
    assert len(previews_in_cache()) == 3
    assert confirm(rival, theirs).status_code == 302
    assert list(DiscountCode.objects.values_list("code", flat=True)) == ["THEIRS1"]


def test_the_bytes_a_user_holds_are_bounded(organizer, event, settings):
    """At most IMPORT_PREVIEWS_PER_USER times IMPORT_MAX_BYTES, however many files of the largest size come."""
    settings.IMPORT_PREVIEWS_PER_USER = 2
    settings.IMPORT_MAX_BYTES = 2000
    client = logged_in(organizer)
    rows = "".join(f"BIG{n:04},amount,5.00,event,true,,1,,,,,,\n" for n in range(40))
    assert 1500 < len(HEADER) + 1 + len(rows) <= 2000
    for _ in range(6):
        preview(client, event, rows=rows)
    held = previews_in_cache()
    assert len(held) == 2 and sum(map(len, held)) <= 2 * 2000


def test_racing_uploads_still_leave_at_most_the_places(organizer, event, settings, monkeypatch):
    """Uploads at the same moment each see the places as they were (here: all free); they may overwrite each
    other's place, never add one."""
    settings.IMPORT_PREVIEWS_PER_USER = 2
    cache = caches["default"]
    monkeypatch.setattr(type(cache), "get_many", lambda self, keys, version=None: {})
    client = logged_in(organizer)
    for _ in range(5):
        preview(client, event)
    assert len(previews_in_cache()) == 1  # every racer took the first free place
