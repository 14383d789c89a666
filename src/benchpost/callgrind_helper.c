/* _benchpost_callgrind: callgrind's client requests, callable from Python.
 *
 * Callgrind is told what to count by "client requests": special instruction
 * sequences from <valgrind/callgrind.h> that do nothing outside valgrind.
 * Python cannot emit them, so counter.py calls these functions around the
 * loop it counts. benchpost compiles this file for every interpreter, like
 * the extension under test.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <valgrind/callgrind.h>

static PyObject *
start(PyObject *self, PyObject *unused)
{
    CALLGRIND_START_INSTRUMENTATION;
    Py_RETURN_NONE;
}

static PyObject *
stop(PyObject *self, PyObject *unused)
{
    CALLGRIND_STOP_INSTRUMENTATION;
    Py_RETURN_NONE;
}

static PyObject *
zero(PyObject *self, PyObject *unused)
{
    CALLGRIND_ZERO_STATS;
    Py_RETURN_NONE;
}

/* Write the counts since the last zero() or dump() to a file, labelled. */
static PyObject *
dump(PyObject *self, PyObject *label)
{
    const char *text = PyUnicode_AsUTF8(label);
    if (text == NULL)
        return NULL;
    CALLGRIND_DUMP_STATS_AT(text);
    Py_RETURN_NONE;
}

static PyObject *
running(PyObject *self, PyObject *unused)
{
    return PyBool_FromLong(RUNNING_ON_VALGRIND);
}

static PyMethodDef methods[] = {
    {"start", start, METH_NOARGS, "Switch instrumentation on."},
    {"stop", stop, METH_NOARGS, "Switch instrumentation off."},
    {"zero", zero, METH_NOARGS, "Set the counts to zero."},
    {"dump", dump, METH_O, "Dump the counts under a label, then zero them."},
    {"running", running, METH_NOARGS, "True under valgrind."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_benchpost_callgrind", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit__benchpost_callgrind(void)
{
    return PyModule_Create(&module);
}
