import { useSyncExternalStore } from "react";
import { Button } from "react-aria-components";

/**
 * What an action that worked says, at the bottom corner, going by itself
 * after a few seconds (kept while the pointer is on it). Errors are not
 * toasts: they stay by the field or in the dialog that caused them.
 *
 * Written here rather than React Aria's toasts: theirs (still UNSTABLE_)
 * brought 5.4 KB gzipped into the first load, which has 6 KB left of its
 * budget. This is a polite live region, which is what a screen reader needs
 * of a success message.
 */
interface Shown {
  id: number;
  title: string;
}

const SHOWN_MS = 5000;
const MAX_SHOWN = 3;
let shown: Shown[] = [];
let next = 1;
let paused = false;
const listeners = new Set<() => void>();
const timers = new Map<number, ReturnType<typeof setTimeout>>();

function set(list: Shown[]) {
  shown = list;
  for (const listener of listeners) listener();
}

function dismiss(id: number) {
  clearTimeout(timers.get(id));
  timers.delete(id);
  set(shown.filter((item) => item.id !== id));
}

function schedule(id: number) {
  timers.set(
    id,
    setTimeout(() => (paused ? schedule(id) : dismiss(id)), SHOWN_MS),
  );
}

export function toast(title: string): void {
  const id = next++;
  set([...shown, { id, title }].slice(-MAX_SHOWN));
  schedule(id);
}

export function Toasts() {
  const list = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => shown,
  );
  return (
    <section className="toasts" aria-label="Notifications" onPointerEnter={() => (paused = true)} onPointerLeave={() => (paused = false)}>
      <div role="status" aria-live="polite">
        <ol>
          {list.map((item) => (
            <li key={item.id} className="toast">
              <span>{item.title}</span>
              <Button aria-label="Dismiss the notification" onPress={() => dismiss(item.id)}>
                ×
              </Button>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
