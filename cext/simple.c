/*
 * simple: the C extension under test.
 *
 * Every function here does (almost) nothing on purpose: the benchmarks
 * measure the cost of "crossing the border" between the interpreter and C,
 * so any work done in C would only hide it. The same source builds for
 * CPython 3 and for PyPy 3 (cpyext), with the plain, long-stable C-API:
 * single-phase module init and a static type.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* -- module-level functions: one per calling convention ------------------ */

/* METH_NOARGS: called with no argument at all. */
static PyObject *
noargs(PyObject *self, PyObject *unused)
{
    Py_RETURN_NONE;
}

/* METH_O: exactly one argument, passed directly (no tuple). */
static PyObject *
onearg(PyObject *self, PyObject *arg)
{
    Py_RETURN_NONE;
}

/* METH_VARARGS: any arguments, packed into a new tuple for every call. */
static PyObject *
varargs(PyObject *self, PyObject *args)
{
    Py_RETURN_NONE;
}

/* Returning a new object: an int the interpreter must take over. */
static PyObject *
allocate_int(PyObject *self, PyObject *unused)
{
    return PyLong_FromLong(2048);
}

/* Returning a new container of new objects. */
static PyObject *
allocate_tuple(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("(ii)", 2048, 2049);
}

/* The calling conventions are shared by the module and by Foo's methods. */
static PyMethodDef simple_functions[] = {
    {"noargs", noargs, METH_NOARGS, "Take no argument, return None."},
    {"onearg", onearg, METH_O, "Take one argument, return None."},
    {"varargs", varargs, METH_VARARGS, "Take any arguments, return None."},
    {"allocate_int", allocate_int, METH_NOARGS, "Return a new int, 2048."},
    {"allocate_tuple", allocate_tuple, METH_NOARGS, "Return a new tuple, (2048, 2049)."},
    {NULL, NULL, 0, NULL}
};

static PyMethodDef foo_methods[] = {
    {"noargs", noargs, METH_NOARGS, "Take no argument, return None."},
    {"onearg", onearg, METH_O, "Take one argument, return None."},
    {"varargs", varargs, METH_VARARGS, "Take any arguments, return None."},
    {NULL, NULL, 0, NULL}
};

/* -- the type Foo: methods and mapping slots ------------------------------ */

typedef struct {
    PyObject_HEAD
} FooObject;

/* mp_length: len(Foo()) == 42 */
static Py_ssize_t
foo_length(PyObject *self)
{
    return 42;
}

/* mp_subscript: Foo()[key] is None, whatever the key */
static PyObject *
foo_subscript(PyObject *self, PyObject *key)
{
    Py_RETURN_NONE;
}

static PyMappingMethods foo_as_mapping = {
    foo_length,     /* mp_length */
    foo_subscript,  /* mp_subscript */
    NULL,           /* mp_ass_subscript */
};

static PyTypeObject FooType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "simple.Foo",       /* tp_name */
    sizeof(FooObject),  /* tp_basicsize */
};

/* -- the module ----------------------------------------------------------- */

static struct PyModuleDef simple_module = {
    PyModuleDef_HEAD_INIT,
    "simple",
    "Empty C functions and a C type, to time calls from Python into C.",
    -1,
    simple_functions,
};

PyMODINIT_FUNC
PyInit_simple(void)
{
    PyObject *module;

    /* Filled in here rather than positionally: the slot order of
       PyTypeObject is long and easy to get wrong. */
    FooType.tp_flags = Py_TPFLAGS_DEFAULT;
    FooType.tp_doc = "A C type whose methods and slots do nothing.";
    FooType.tp_new = PyType_GenericNew;
    FooType.tp_methods = foo_methods;
    FooType.tp_as_mapping = &foo_as_mapping;
    if (PyType_Ready(&FooType) < 0)
        return NULL;

    module = PyModule_Create(&simple_module);
    if (module == NULL)
        return NULL;
    Py_INCREF(&FooType);
    if (PyModule_AddObject(module, "Foo", (PyObject *)&FooType) < 0) {
        Py_DECREF(&FooType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
