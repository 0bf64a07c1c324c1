package io.fangwusha.core.template.jinja;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/** An immutable Python tuple: a List everywhere, but printed as {@code (a, b)} and spread by {@code %}. */
final class PyTuple extends AbstractList<Object> implements RandomAccess {
    private final Object[] items;

    PyTuple(List<?> items) {
        this.items = items.toArray();
    }

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
