"""The bundled Chinese course, end to end: it validates, is searched by its words (the
bundled embedding model reads no Chinese), taught, quizzed and asked about in Chinese."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from content import bundled_course_paths, load_course
from tests.conftest import Chat
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running
from tutor import Database, Tutor
from tutor.knowledge import CourseSearch
from tutor.qa.answerer import Answerer

COURSE = next(p for p in bundled_course_paths() if p.name == "physics-zh")
CLOCK = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
LI = 2002


def _answers() -> dict[str, str]:
    """Each question's prompt and a right answer, read from the course itself."""
    course = load_course(COURSE).unwrap()
    found = {}
    for lesson in course.lessons:
        for question in lesson.questions:
            prompt = re.sub(r"\{\{[^}]*\}\}", "_____", question.prompt)
            found[prompt] = question.answers[0].split("|")[0]
    return found


def _learner(tutor: Tutor) -> Chat:
    """A learner whose app is set to Simplified Chinese."""
    return Chat(tutor, "li", name="小李", language="zh-CN")


def _question(li: Chat) -> str:
    """The prompt of the question on the learner's screen."""
    return next(r.prompt for r in li.last if hasattr(r, "prompt"))


def test_the_chinese_course_validates_with_its_formulas() -> None:
    result = load_course(COURSE)
    assert not result.problems, result.problems
    course = result.unwrap()
    assert course.language == "zh" and len(course.lessons) >= 4
    assert all(lesson.questions for lesson in course.lessons)
    # Card keys keep their Chinese titles: stable when a card is inserted before them.
    assert [card.key for card in course.lessons[0].cards] == ["位置和位移", "速度", "加速度"]


def test_a_course_in_a_language_the_model_cannot_read_is_searched_by_its_words(
        course_search: CourseSearch) -> None:
    assert course_search.mode("physics-zh") == "lexical"
    assert course_search.mode("earth-science") == "hybrid"
    everything = CourseSearch(course_search._db, course_search.index, dense_languages=None)
    assert everything.mode("physics-zh") == "hybrid"  # a multilingual model reads it
    [hit, *_] = course_search.search("惯性定律说的是什么？", course="physics-zh")
    assert hit.chunk.metadata["card"] == "牛顿第一定律"


def test_a_chinese_learner_takes_the_chinese_course(bundled_db: Database,
                                                    course_search: CourseSearch) -> None:
    li = _learner(Tutor(bundled_db, answerer=Answerer(course_search), clock=lambda: CLOCK))
    li.say("/course physics-zh")
    assert "📚 **物理入门**" in li.text()
    assert "**第 1 课 · 运动和速度** — 第 1 张卡片，共 3 张" in li.text()
    li.say("/next")
    assert "## 速度" in li.text() and "v = s/t" in li.text()  # the formula, read as text
    answers = _answers()
    li.say("/quiz")
    assert "📝 **运动和速度** 的测验：3 道题。" in li.text()
    for _ in range(3):
        prompt = _question(li).replace("\\_", "_")
        li.say(answers[prompt])
        assert "✅ **正确！**" in li.text(), li.text()
    assert "🏁 测验结束：答对 **3 / 3**。太棒了！" in li.text()
    li.say("/ask 为什么急刹车时乘客会向前倾？")
    assert "汽车急刹车时，乘客会向前倾，就是因为惯性。" in li.text()
    assert "📖 *出处：第 2 课 · 力和牛顿定律 – 牛顿第一定律*" in li.text()
    li.say("/ask 红烧肉怎么做才好吃？")
    assert "🤔 据我所知，这门课程没有讲到这个，所以我不会乱猜。" in li.text()


@pytest.mark.parametrize(("prompt", "typed"), [
    ("物体保持原来运动状态的性质叫做什么？", "惯性。"),  # a full stop of the learner's own
    ("家里的电灯和电器是串联还是并联的？", " 并联的 "),
    ("向东走 3 米再向西走 3 米，位移是多少米？", "零"),
    ("电阻为 10 Ω 的灯泡接在 5 V 的电压上，电流是多少 A？", "０.５"),  # full-width digits
])
def test_chinese_short_answers_are_graded_as_written(bundled_db: Database, prompt: str,
                                                    typed: str) -> None:
    li = _learner(Tutor(bundled_db, clock=lambda: CLOCK))
    li.say("/course physics-zh")
    lessons = {"物体保持": "2", "家里的电灯": "4", "向东走": "1", "电阻为": "4"}
    li.say(f"/quiz {next(n for start, n in lessons.items() if prompt.startswith(start))}")
    for _ in range(4):
        if _question(li) == prompt:
            li.say(typed)
            assert "✅ **正确！**" in li.text(), li.text()
            return
        li.say("/skip")
    raise AssertionError(f"the quiz never asked {prompt!r}")


def test_a_chinese_telegram_user_reads_the_chinese_course_in_chinese(
        bundled_db: Database, course_search: CourseSearch, tmp_path: Path) -> None:
    tutor = Tutor(bundled_db, answerer=Answerer(course_search), charts_dir=tmp_path)

    async def journey() -> None:
        fake = FakeTelegram(language_codes={LI: "zh-hans"})
        await fake.start()
        async with running(tutor, bundled_db, fake=fake, telegram_rate_limits=False):
            fake.message(LI, "/start")
            [hello] = await fake.reply_to(LI, 0)
            assert "你好，Ann！我是 tutorbot" in hello.text
            assert "course:physics-zh" in hello.buttons
            fake.press(LI, hello, "course:physics-zh")
            replies = await fake.reply_to(LI, 1)
            text = "\n".join(s.text for s in replies)
            assert "第 1 课 · 运动和速度" in text and "先问一件事" in text
            seen = len(fake.to(LI))
            fake.message(LI, "/ask 欧姆定律是什么？")
            [answer] = await fake.reply_to(LI, seen)
            assert "欧姆定律" in answer.text and "出处：第 4 课 · 简单电路 – 欧姆定律" in \
                answer.text
            seen = len(fake.to(LI))
            fake.message(LI, "/progress")
            replies = await fake.reply_to(LI, seen)
            assert "📈 <b>物理入门</b>：已完成 0 / 4 课。已回答 0 道题。" in replies[0].text
        await fake.stop()

    asyncio.run(journey())
