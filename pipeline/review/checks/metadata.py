"""The lesson's metadata the portal and the catalog need (lesson.yaml)."""
from pipeline.i18n import N_
from pipeline.review.registry import check


@check("metadata.required", N_("Title, licence, authors, objectives and rubric are given"), "blocking", N_("fill in the missing fields in lesson.yaml"))
def required(ev):
    lesson = ev.lesson
    fields = (("title", lesson.title), ("licence", lesson.licence), ("authors", lesson.authors),
              ("objectives", lesson.objectives), ("rubric", lesson.rubric))
    missing = [name for name, value in fields if not value]
    yield not missing, ", ".join(missing) or "all given", "all given", ""


@check("metadata.recommended", N_("Tags, audience and school are given"), "advisory",
       N_("add tags, audience and a school (school: name:, or each author's school:) to lesson.yaml so the catalog can list the lesson well"))
def recommended(ev):
    lesson = ev.lesson
    missing = [name for name,
               value in (("tags", lesson.tags), ("audience", lesson.audience),
                         ("school", lesson.school_name)) if not value]
    yield not missing, ", ".join(missing) or "all given", "all given", ""
