from pipeline.review.registry import check


@check("metadata.required", "Licence, authors, objectives and rubric are given", "blocking", "fill in the missing fields in lesson.yaml")
def required(ev):
    lesson = ev.lesson
    missing = [name for name, value in (("licence", lesson.licence), ("authors", lesson.authors), ("objectives", lesson.objectives), ("rubric", lesson.rubric)) if not value]
    yield not missing, ", ".join(missing) or "all given", "all given", ""
