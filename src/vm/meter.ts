/**
 * The gas meter of one execution. Gas is counted in fuel (FUEL_PER_GAS fuel to the gas): the
 * metered binary subtracts the fuel of every instruction it runs from its own global, and the
 * VM's own charges (state, events, calls) come off the same count. Whichever instance runs the
 * current frame holds the fuel left; a nested call hands it to the callee's instance and takes
 * back what is left. Running out is final: the instance traps, every later charge is refused,
 * and the outcome is out of gas.
 */
import type { MeteredInstance } from './metered/instance.js'
import { FUEL_PER_GAS } from './constants.js'

/**
 * Thrown by an API function when the execution ran out of gas or the frame called `revert()`.
 * The contract never gets to catch it: the instance is stopped at its next instruction.
 */
export class Halt extends Error {
  constructor(message: 'out of gas' | 'reverted') {
    super(message)
    this.name = 'Halt'
  }
}

export class GasMeter {
  private readonly limitFuel: number
  /** Fuel left while no instance holds it. */
  private fuelLeft: number
  private holder: MeteredInstance | undefined
  private outOfGas = false

  constructor(readonly limit: number) {
    this.limitFuel = limit * FUEL_PER_GAS
    this.fuelLeft = this.limitFuel
  }

  get exhausted(): boolean {
    return this.outOfGas || (this.holder !== undefined && this.holder.fuel < 0)
  }

  /** Gas used so far: whole gas, rounded up; the limit once exhausted. */
  get used(): number {
    if (this.exhausted) return this.limit
    return Math.min(this.limit, Math.ceil((this.limitFuel - this.left()) / FUEL_PER_GAS))
  }

  /** Takes `gas`, or exhausts the meter (stopping the running instance) and throws `Halt`. */
  charge(gas: number): void {
    const left = this.left() - gas * FUEL_PER_GAS
    if (this.outOfGas || left < 0) {
      this.exhaust()
      throw new Halt('out of gas')
    }
    this.setLeft(left)
  }

  /** `instance` runs the next frame: it gets the fuel left. Returns the previous holder, for `leave`. */
  enter(instance: MeteredInstance): MeteredInstance | undefined {
    const previous = this.holder
    const left = this.left()
    this.holder = instance
    instance.fuel = this.outOfGas ? -1 : left
    return previous
  }

  /**
   * The frame on `this.holder` ended; `previous` runs again with what is left. `fuelLeft`: the
   * fuel to count as left instead of the instance's (a frame stopped by `revert()`, whose
   * instance was forced to trap, keeps what it had when it reverted).
   */
  leave(previous: MeteredInstance | undefined, fuelLeft?: number): void {
    const left = fuelLeft ?? this.left()
    if (left < 0) this.outOfGas = true
    this.holder = previous
    this.setLeft(this.outOfGas ? -1 : left)
  }

  /** The fuel left now (negative: exhausted). */
  left(): number {
    return this.holder === undefined ? this.fuelLeft : this.holder.fuel
  }

  /** Stops the running instance at its next instruction without ending the meter (`revert()`). */
  stopHolder(): void {
    if (this.holder !== undefined) this.holder.fuel = -1
  }

  private exhaust(): void {
    this.outOfGas = true
    this.setLeft(-1)
  }

  private setLeft(fuel: number): void {
    if (this.holder === undefined) this.fuelLeft = fuel
    else this.holder.fuel = fuel
  }
}
