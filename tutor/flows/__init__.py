"""The conversation flows of the core: menu and courses, lessons, quizzes."""
