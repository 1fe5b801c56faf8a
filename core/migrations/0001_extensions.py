from django.contrib.postgres.operations import BtreeGinExtension, BtreeGistExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL extensions the schema relies on: trigram indexes led by the organization (pg_trgm and
    btree_gin, patient search) and btree_gist (exclusion constraints that refuse overlapping appointments)."""

    dependencies = []

    operations = [TrigramExtension(), BtreeGinExtension(), BtreeGistExtension()]
