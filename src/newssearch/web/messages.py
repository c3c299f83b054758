"""Vietnamese error messages for the HTML pages.

The JSON API explains errors in English for developers (``message`` and
``param``); a visitor's browser gets a sentence in Vietnamese instead, chosen
from the status and the parameter at fault, with the value they sent.
"""

from __future__ import annotations

from ..config import Settings
from ..params import KEYWORD_FILTERS, MAX_VALUE_LENGTH, MAX_VALUES, PARAMS_BY_NAME, SEARCH_PARAMS
from .format import format_count

#: What a visitor calls each parameter.
PARAM_LABELS: dict[str, str] = {p.name: p.label for p in SEARCH_PARAMS}
#: Longest sent value quoted back.
MAX_QUOTED = 60


def _hint(param: str, settings: Settings) -> str:
    """What a good value of ``param`` looks like."""
    if param == "q":
        return f"Từ khóa chỉ nhập một lần và dài tối đa {format_count(settings.max_query_length)} ký tự."
    if param in ("type", "transaction"):
        return "Chọn " + " hoặc ".join(f"“{c.label}”" for c in PARAMS_BY_NAME[param].choices) + "."
    if param == "year":
        return "Năm là một số, ví dụ 2024."
    if param in ("date_from", "date_to"):
        return "Ngày viết dạng 17/06/2022 hoặc 2022-06-17, và “Từ ngày” không được sau “Đến ngày”."
    if param in ("price_min", "price_max"):
        return "Giá là số đồng, ví dụ 2000000000 cho 2 tỷ, và giá thấp nhất không lớn hơn giá cao nhất."
    if param in ("price_per_m2_min", "price_per_m2_max"):
        return (
            "Giá/m² là số đồng cho mỗi mét vuông, ví dụ 50000000 cho 50 triệu/m², và giá/m² thấp nhất "
            "không lớn hơn giá/m² cao nhất."
        )
    if param in ("area_min", "area_max"):
        return "Diện tích là số mét vuông, ví dụ 80, và diện tích nhỏ nhất không lớn hơn diện tích lớn nhất."
    if param == "bedrooms":
        return "Số phòng ngủ là một số nguyên, ví dụ 2."
    if param == "sort":
        return "Hãy chọn một cách sắp xếp trong danh sách."
    if param == "page":
        return (
            f"Số trang là số nguyên từ 1; chỉ xem được {format_count(settings.max_result_window)} "
            "kết quả đầu tiên, hãy thu hẹp tìm kiếm để xem thêm."
        )
    if param == "per_page":
        return f"Mỗi trang hiển thị từ 1 đến {format_count(settings.max_per_page)} kết quả."
    if param == "verbatim":
        return "“Tìm chính xác” nhận 1 (bật) hoặc 0 (tắt)."
    if param in KEYWORD_FILTERS:
        return f"Mỗi bộ lọc nhận tối đa {MAX_VALUES} giá trị, mỗi giá trị dài tối đa {MAX_VALUE_LENGTH} ký tự."
    return "Hãy kiểm tra lại địa chỉ trang."


def vietnamese_message(
    status: int, settings: Settings, param: str | None = None, value: str | None = None, method: str = "GET"
) -> str:
    """The sentence a visitor reads for an error ``status`` (400: about ``param`` and its ``value``)."""
    if status == 400:
        label = PARAM_LABELS.get(param or "")
        if label is None:
            return "Yêu cầu không hợp lệ. " + _hint("", settings)
        if value is not None and value.strip():
            shown = value if len(value) <= MAX_QUOTED else value[:MAX_QUOTED] + "…"
            return f"Giá trị “{shown}” của “{label}” không hợp lệ. {_hint(param or '', settings)}"
        return f"“{label}” không hợp lệ. {_hint(param or '', settings)}"
    if status == 404:
        return "Không có trang nào ở địa chỉ này. Hãy tìm kiếm từ trang chủ."
    if status == 405:
        return f"Địa chỉ này không nhận yêu cầu {method}."
    if status == 413:
        return (
            "Yêu cầu quá dài. Từ khóa tìm kiếm dài tối đa "
            f"{format_count(settings.max_query_length)} ký tự."
        )
    if status == 429:
        return "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Hãy đợi một lát rồi thử lại."
    if status == 503:
        return "Dịch vụ tìm kiếm chưa sẵn sàng (chưa có dữ liệu). Hãy thử lại sau ít phút."
    if status >= 500:
        return "Đã xảy ra lỗi ngoài ý muốn và lỗi đã được ghi lại. Hãy thử lại sau."
    return "Không thể thực hiện yêu cầu này."
