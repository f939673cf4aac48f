from django.db import migrations, models


class Migration(migrations.Migration):
    """Deactivating an account ends its API tokens for good (``User.tokens_revoked_at``)."""

    dependencies = [
        ("eventsite", "0002_database_cache_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="tokens_revoked_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="API tokens issued before this moment are refused (set when the account is deactivated).",
                null=True,
            ),
        ),
    ]
