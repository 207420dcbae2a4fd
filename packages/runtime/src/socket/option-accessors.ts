import { ZmqError } from "@omq/transport"
import { checkOption, DEFAULT_OPTIONS, isSocketOption, type SocketOptions } from "./options.js"

/**
 * The options every socket has, as typed properties (zeromq.js v6 style): each setter checks
 * its value and throws ZmqError EINVAL, so a bad value never reaches a connection.
 */
export abstract class SocketOptionAccessors {
  protected readonly options: SocketOptions = { ...DEFAULT_OPTIONS }

  /** Applies constructor options; unknown names are EINVAL. */
  protected applyOptions(options: Partial<SocketOptions>): void {
    for (const [name, value] of Object.entries(options)) {
      if (value === undefined) continue
      if (!isSocketOption(name)) throw new ZmqError("EINVAL", `unknown socket option '${name}'`)
      this.setOption(name, value)
    }
  }

  protected setOption<K extends keyof SocketOptions>(name: K, value: unknown): void {
    this.options[name] = checkOption(name, value)
  }

  get linger(): number {
    return this.options.linger
  }
  set linger(v: number) {
    this.setOption("linger", v)
  }
  get sendHighWaterMark(): number {
    return this.options.sendHighWaterMark
  }
  set sendHighWaterMark(v: number) {
    this.setOption("sendHighWaterMark", v)
  }
  get receiveHighWaterMark(): number {
    return this.options.receiveHighWaterMark
  }
  set receiveHighWaterMark(v: number) {
    this.setOption("receiveHighWaterMark", v)
  }
  get reconnectInterval(): number {
    return this.options.reconnectInterval
  }
  set reconnectInterval(v: number) {
    this.setOption("reconnectInterval", v)
  }
  get reconnectMaxInterval(): number {
    return this.options.reconnectMaxInterval
  }
  set reconnectMaxInterval(v: number) {
    this.setOption("reconnectMaxInterval", v)
  }
  get handshakeInterval(): number {
    return this.options.handshakeInterval
  }
  set handshakeInterval(v: number) {
    this.setOption("handshakeInterval", v)
  }
  get maxMessageSize(): number {
    return this.options.maxMessageSize
  }
  set maxMessageSize(v: number) {
    this.setOption("maxMessageSize", v)
  }
  get immediate(): boolean {
    return this.options.immediate
  }
  set immediate(v: boolean) {
    this.setOption("immediate", v)
  }
  get sendTimeout(): number {
    return this.options.sendTimeout
  }
  set sendTimeout(v: number) {
    this.setOption("sendTimeout", v)
  }
  get receiveTimeout(): number {
    return this.options.receiveTimeout
  }
  set receiveTimeout(v: number) {
    this.setOption("receiveTimeout", v)
  }
  get routingId(): string | null {
    return this.options.routingId
  }
  set routingId(v: string | null) {
    this.setOption("routingId", v)
  }

  get conflate(): boolean {
    return this.options.conflate
  }
  set conflate(v: boolean) {
    this.setOption("conflate", v)
  }
}
