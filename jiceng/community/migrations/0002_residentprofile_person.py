# Residency confirmation linked to the registry: ``ResidentProfile.person_ref`` (free text staff typed)
# becomes ``person``, a real link to ``registry.Person``. A ``person_ref`` holding the numeric id of an
# existing person is carried over; anything else (blank, a typo, a deleted person) is dropped.

import django.db.models.deletion
from django.db import migrations, models


def carry_person_ref_over(apps, schema_editor):
    ResidentProfile = apps.get_model("community", "ResidentProfile")
    Person = apps.get_model("registry", "Person")
    refs = {}
    for pk, ref in ResidentProfile.objects.exclude(person_ref="").values_list("pk", "person_ref"):
        ref = (ref or "").strip()
        if ref.isascii() and ref.isdigit() and len(ref) <= 18:
            refs[pk] = int(ref)
    existing = set(Person.objects.filter(pk__in=set(refs.values())).values_list("pk", flat=True))
    for pk, person_id in refs.items():
        if person_id in existing:
            ResidentProfile.objects.filter(pk=pk).update(person_id=person_id)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now: PostgreSQL refuses the ALTER TABLE below while the deferred
        # checks of rows updated in the same transaction are still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def put_person_ref_back(apps, schema_editor):
    ResidentProfile = apps.get_model("community", "ResidentProfile")
    for pk, person_id in ResidentProfile.objects.exclude(person=None).values_list("pk", "person_id"):
        ResidentProfile.objects.filter(pk=pk).update(person_ref=str(person_id))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="residentprofile",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="registry.person",
                verbose_name="实有人口",
            ),
        ),
        migrations.RunPython(carry_person_ref_over, put_person_ref_back),
        migrations.RemoveField(
            model_name="residentprofile",
            name="person_ref",
        ),
    ]
