import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';

/**
 * A change to one item that is asked about first ("are you sure?"): `ask(item)` clears the last
 * error and opens the question, `dialog` is what the ConfirmDialog needs, and the question
 * closes by itself once the change is done.
 */
export function useConfirmedMutation<TItem, TData>({
  mutationFn,
  onSuccess,
}: {
  mutationFn: (item: TItem) => Promise<TData>;
  onSuccess?: (data: TData, item: TItem) => void;
}) {
  const [target, setTarget] = useState<TItem | null>(null);
  const mutation = useMutation({
    mutationFn,
    onSuccess: (data: TData, item: TItem) => {
      onSuccess?.(data, item);
      setTarget(null);
    },
  });
  return {
    mutation,
    target,
    ask: (item: TItem) => {
      mutation.reset();
      setTarget(item);
    },
    dialog: {
      opened: target !== null,
      loading: mutation.isPending,
      error: mutation.error,
      onConfirm: () => {
        if (target !== null) mutation.mutate(target);
      },
      onClose: () => setTarget(null),
    },
  };
}
