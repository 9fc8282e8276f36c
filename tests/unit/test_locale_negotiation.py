import pytest

from web.i18n import negotiate


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "zh_CN"),
        (None, "", "zh_CN"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        (None, "en;q=0.5,zh-TW;q=0.9", "zh_CN"),  # the weight decides, not the position
        (None, "zh;q=0.3,en-GB;q=0.7", "en"),
        (None, "en;q=0,de", "zh_CN"),  # q=0 refuses English; German is not offered
        (None, "fr-FR,de;q=0.8", "zh_CN"),
        (None, "en;q=abc", "zh_CN"),  # a broken weight counts as refusal
        ("en", "zh-CN", "en"),  # the user's switch beats the browser
        ("xx", "en", "en"),  # an unknown cookie value is ignored
    ],
)
def test_negotiate(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate(cookie, header) == expected
