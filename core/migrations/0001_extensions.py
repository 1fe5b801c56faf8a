from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL extensions the schema relies on: trigram indexes (patient search) and btree_gist
    (exclusion constraints that refuse overlapping appointments)."""

    dependencies = []

    operations = [TrigramExtension(), BtreeGistExtension()]
