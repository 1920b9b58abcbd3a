/**
 * The FIFO of keys ready for a worker: push and shift in O(1) amortised (an array shift is O(n), which a
 * queue of thousands of keys after a relist would feel).
 */
export class ReadyList<K> {
  private items: Array<K | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(key: K): void {
    this.items.push(key);
  }

  shift(): K | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the consumed prefix is at least half of the array.
    if (this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
