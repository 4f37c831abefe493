"""omit_definitions drops a definition whose body ends inside a solution region: the
closing ``### END SOLUTION`` comment goes with it (the AST does not count comments)."""
from course.release import omit_definitions, strip_solutions

SOURCE = '''\
class Keep:
    def f(self):
        ### BEGIN SOLUTION
        return 1
        ### END SOLUTION


class Drop:
    def g(self):
        ### BEGIN SOLUTION
        return 2
        ### END SOLUTION
# a module-level comment stays


def after():
    return 3
'''


def test_omitted_class_takes_its_closing_marker():
    text = omit_definitions(SOURCE, ["Drop"])
    assert "class Drop" not in text and "return 2" not in text
    assert text.count("### END SOLUTION") == 1
    assert "# a module-level comment stays" in text and "def after" in text
    stub = strip_solutions(text)  # balanced markers: no error
    assert stub.count('raise NotImplementedError("your code here")') == 1
