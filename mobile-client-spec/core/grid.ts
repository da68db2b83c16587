// The charging slot grid as data: which cells a socket has free, what each state is called, and
// the label a screen reader reads for a cell. No DOM here (the web app and the mini-program share it).
import type { Schemas } from './client';
import { clock } from './format';

export type Grid = Schemas['AvailabilityView'];
export type SocketCells = Schemas['SocketCells'];
export type CellState = 'free' | 'taken' | 'mine' | 'off';

const CODE: Record<string, CellState> = { '.': 'free', x: 'taken', m: 'mine', '-': 'off' };

/** State names in Chinese, with an icon so no state is told by colour alone. */
export const CELL_TEXT: Record<CellState, string> = { free: '可预约', taken: '已约满', mine: '我的预约', off: '不可用' };
export const CELL_ICON: Record<CellState, string> = { free: '○', taken: '✕', mine: '★', off: '－' };

export function cellState(s: SocketCells, i: number): CellState {
  return CODE[s.cells[i] ?? '-'] ?? 'off';
}

export class SlotGrid {
  constructor(readonly grid: Grid) {}

  get cellsPerDay(): number {
    return Math.round((24 * 60) / this.grid.slot_minutes);
  }

  /** How many days the grid covers (today first). */
  get days(): number {
    return Math.ceil(this.grid.slots / this.cellsPerDay);
  }

  start(i: number): Date {
    return new Date(Date.parse(this.grid.starts_at) + i * this.grid.slot_minutes * 60_000);
  }

  /** Cells needed for `minutes` of charging. */
  need(minutes: number): number {
    return Math.max(1, Math.round(minutes / this.grid.slot_minutes));
  }

  end(i: number, minutes: number): Date {
    return new Date(this.start(i).getTime() + this.need(minutes) * this.grid.slot_minutes * 60_000);
  }

  /** Whether the socket is free for `minutes` from cell `i`. */
  freeRun(s: SocketCells, i: number, minutes: number): boolean {
    const n = this.need(minutes);
    return s.cells.slice(i, i + n) === '.'.repeat(n);
  }

  /** The rows of one day worth showing (not past or closed for every socket). */
  rows(day: number): number[] {
    const first = day * this.cellsPerDay;
    const out: number[] = [];
    for (let i = first; i < Math.min(first + this.cellsPerDay, this.grid.slots); i++) {
      if (this.grid.sockets.some((s) => cellState(s, i) !== 'off')) out.push(i);
    }
    return out;
  }

  /** A row's summary: free sockets, whether one is mine, whether all are taken. */
  summary(i: number): { free: number; mine: boolean; full: boolean } {
    const states = this.grid.sockets.map((s) => cellState(s, i));
    const free = states.filter((c) => c === 'free').length;
    return { free, mine: states.includes('mine'), full: free === 0 && states.includes('taken') };
  }

  /** "3号插座 19:00–20:00 可预约" */
  cellLabel(s: SocketCells, i: number, minutes: number): string {
    const state = cellState(s, i);
    const text = state === 'free' && !this.freeRun(s, i, minutes) ? '时长不够' : CELL_TEXT[state];
    return `${s.label} ${clock(this.start(i))}–${clock(this.end(i, minutes))} ${text}`;
  }
}
