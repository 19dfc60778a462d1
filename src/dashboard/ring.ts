/** A bounded list of the latest items: the oldest is dropped once `capacity` is reached. */
export class Ring<T> {
  private readonly items: T[] = [];
  private start = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    // Overwrite the oldest in place: no shifting of a full array on every event.
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The items, newest first. */
  newestFirst(): T[] {
    const ordered: T[] = [];
    for (let i = this.items.length - 1; i >= 0; i--) ordered.push(this.items[(this.start + i) % this.items.length]!);
    return ordered;
  }

  get size(): number {
    return this.items.length;
  }
}
