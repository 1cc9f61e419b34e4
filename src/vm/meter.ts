/**
 * The gas meter of one execution: QuickJS's interrupt ticks plus fixed charges, against one
 * limit shared by every frame. Running out is final: the meter stays exhausted, every later
 * host operation is refused and the interrupt handler stops the code at its next tick.
 */
import { GAS_PER_TICK } from './constants.js'

/**
 * Thrown from the host entry point when the execution ran out of gas or the frame called
 * `revert()`. The contract sees an Error it may catch, but catching it changes nothing: the
 * flags it comes from decide the outcome.
 */
export class Halt extends Error {
  constructor(message: 'out of gas' | 'reverted') {
    super(message)
    this.name = 'Halt'
  }
}

export class GasMeter {
  private gasUsed = 0
  private outOfGas = false

  constructor(readonly limit: number) {}

  get used(): number {
    return this.gasUsed
  }

  get exhausted(): boolean {
    return this.outOfGas
  }

  /** Adds `amount`, or exhausts the meter and throws `Halt` when that would pass the limit. */
  charge(amount: number): void {
    if (this.outOfGas || this.gasUsed + amount > this.limit) {
      this.exhaust()
      throw new Halt('out of gas')
    }
    this.gasUsed += amount
  }

  /** One interrupt tick; true when the code must stop (the interrupt handler's answer). */
  tick(): boolean {
    if (!this.outOfGas && this.gasUsed + GAS_PER_TICK > this.limit) this.exhaust()
    if (!this.outOfGas) this.gasUsed += GAS_PER_TICK
    return this.outOfGas
  }

  private exhaust(): void {
    this.outOfGas = true
    this.gasUsed = this.limit
  }
}
