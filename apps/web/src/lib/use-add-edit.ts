import { useState } from 'react';

/**
 * The add-or-edit modal of a list: `add()` opens it empty, `edit(item)` opens it for one item,
 * and `modal` is what the modal takes (`opened`, `editing`, `onClose`).
 */
export function useAddEdit<T>() {
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<T | null>(null);
  return {
    add: () => setAdding(true),
    edit: (item: T) => setEditing(item),
    modal: {
      opened: adding || !!editing,
      editing,
      onClose: () => {
        setAdding(false);
        setEditing(null);
      },
    },
  };
}
