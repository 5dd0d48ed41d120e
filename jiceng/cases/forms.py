"""Forms of the case pages. They only read and tidy input; every rule lives in ``cases.actions``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.cases import evaluation
from jiceng.cases.picker import TypePickerSelect, type_options
from jiceng.core.params import MAX_YEAR, MIN_YEAR


class HotlineForm(forms.Form):
    """热线登记: what the caller says, typed in by the desk's operator."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reporter_name = forms.CharField(label=_("来电人"), max_length=64)
    reporter_phone = forms.CharField(label=_("来电号码"), max_length=20)
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    description = forms.CharField(
        label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    type_code = forms.ChoiceField(label=_("事件类型"), required=False, widget=TypePickerSelect)
    location_code = forms.CharField(
        label=_("房屋/楼栋编码"), max_length=25, required=False, help_text=_("19 位楼栋编码或 25 位房屋编码")
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    grid_code = forms.ChoiceField(label=_("网格"), required=False, help_text=_("地址无法识别时选择所在网格"))
    is_public = forms.BooleanField(label=_("可公开"), required=False, initial=True)

    def __init__(self, *args: Any, grids: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _proposed, types = type_options()
        type_field = cast(forms.ChoiceField, self.fields["type_code"])
        grid_field = cast(forms.ChoiceField, self.fields["grid_code"])
        type_field.choices = [("", _("由系统研判")), *[(t.code, t.label) for t in types]]
        widget = cast(TypePickerSelect, type_field.widget)
        widget.set_types(types)
        widget.attrs["data-filter-label"] = _("输入代码、名称或关键词筛选")
        widget.attrs["data-count-label"] = _("匹配 %s 项")
        grid_field.choices = [("", "—"), *(grids or [])]
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("location_code") or data.get("address") or data.get("grid_code")):
            raise forms.ValidationError(_("请填写房屋/楼栋编码、地址或选择网格。"))
        return data


def _text(data: Any, name: str) -> str:
    return str(data.get(name, "") or "").strip()


def action_fields(post: Any, files: Any) -> dict[str, Any]:
    """The fields an action form may send, tidied; each action reads those it needs."""
    due = None
    raw_due = _text(post, "due")
    if raw_due:
        day = forms.DateField().to_python(raw_due)
        if day is not None:
            # A supervision deadline given as a day means the end of that working day.
            due = timezone.make_aware(dt.datetime.combine(day, dt.time(18, 0)))
    days = None
    if _text(post, "days"):
        try:
            days = float(_text(post, "days"))
        except ValueError:
            days = None
    score = None
    if _text(post, "score"):
        try:
            score = int(_text(post, "score"))
        except ValueError:
            score = 0
    return {
        "reason": _text(post, "reason"),
        "note": _text(post, "note"),
        "unit": _text(post, "unit"),
        "type_code": _text(post, "type_code"),
        "checklist": [c for c in post.getlist("checklist") if c],
        "passed": _text(post, "passed") not in ("0", "false", "no"),
        "score": score,
        "comment": _text(post, "comment"),
        "due": due,
        "days": days,
        "into": _text(post, "into"),
        "photos": files.getlist("photos") if files is not None else [],
    }


class PeriodForm(forms.Form):
    """The evaluation period, defined as on /command/evaluation/: a named period (``evaluation.PERIODS``,
    by default this month) or ``custom`` with start and end dates."""

    start = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.CharField(label=_("单位代码"), required=False)

    def _in_range(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise forms.ValidationError(
                _("日期须在 %(lo)d–%(hi)d 年之间。") % {"lo": MIN_YEAR, "hi": MAX_YEAR}
            )
        return day

    def clean_start(self) -> dt.date | None:
        return self._in_range("start")

    def clean_end(self) -> dt.date | None:
        return self._in_range("end")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Added here, not declared: the name "period" is also the method below.
        self.fields["period"] = forms.ChoiceField(
            label=_("统计周期"),
            required=False,
            choices=[*evaluation.PERIODS.items(), (evaluation.CUSTOM_PERIOD, _("自定义"))],
        )

    def chosen(self) -> str:
        """The period's name: as asked; "custom" when only dates were given; by default this month."""
        data = self.cleaned_data if self.is_valid() else {}
        named = data.get("period") or ""
        if named:
            return str(named)
        return evaluation.CUSTOM_PERIOD if data.get("start") or data.get("end") else "month"

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen period's first and last day."""
        today = timezone.localdate()
        chosen = self.chosen()
        if chosen in evaluation.PERIODS:
            return evaluation.period_bounds(chosen, today)
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or today
        if end < start:
            start, end = end, start
        return start, end
