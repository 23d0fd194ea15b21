"""Issue 12 item 6: awards from evaluations, assessments and recognitions go through the two steps of an
application. An award a single reviewer approved before, and not yet paid, goes back to 初审通过 with its
amount proposed, so another reviewer approves it (or not); its one-person approval becomes that 初审 (the
audit trail keeps the original row). Paid awards are left as they are."""
from django.db import migrations


def back_to_second_review(apps, schema_editor):
    GrantApplication = apps.get_model("subsidies", "GrantApplication")
    ApplicationDecision = apps.get_model("subsidies", "ApplicationDecision")
    PayoutLine = apps.get_model("subsidies", "PayoutLine")
    awards = GrantApplication.objects.filter(status="approved").exclude(origin="application").select_related(
        "programme")
    for award in awards:
        decisions = ApplicationDecision.objects.filter(application=award)
        if decisions.filter(step="first_review").exists():
            continue
        if PayoutLine.objects.filter(rule=award.programme.code, basis=f"award:{award.pk}", active=True).exists():
            continue
        GrantApplication.objects.filter(pk=award.pk).update(
            status="first_reviewed", requested_amount=award.approved_amount, approved_amount=None, decided_at=None)
        approval = decisions.filter(step="approval").order_by("id").first()
        if approval is not None:
            ApplicationDecision.objects.filter(pk=approval.pk).update(
                step="first_review", decision="first_reviewed",
                comment=("【改为两步审核:原单人核定,待另一名审核员复审】" + approval.comment)[:4000])


class Migration(migrations.Migration):

    dependencies = [
        ("subsidies", "0012_rd_submission_verified_within_declared"),
    ]

    operations = [
        migrations.RunPython(back_to_second_review, migrations.RunPython.noop),
    ]
