import {
  type NumberedAccessor,
  numberedOption,
  numberedRead,
  numberedValue,
} from "./numbered-options.js"
import { checkOption, DEFAULT_OPTIONS, isSocketOption, type SocketOptions } from "./options.js"
import { mechanismAfter, NULL_MECHANISM, type SelectedMechanism } from "./security-options.js"

/** Options that can be read but not set. */
const READ_ONLY = new Set(["securityMechanism"])

function readOnly(name: string): TypeError {
  return new TypeError(`Cannot set property ${name} of #<Socket> which has only a getter`)
}

/**
 * The options every socket has, as typed properties (zeromq.js v6 style): each setter checks
 * its value and throws (EINVAL for a bad value), so a bad value never reaches a connection.
 */
export abstract class SocketOptionAccessors {
  protected readonly options: SocketOptions = { ...DEFAULT_OPTIONS }
  /** The security mechanism the options select (the last one set wins, as in libzmq). */
  protected mechanism: SelectedMechanism = NULL_MECHANISM

  /**
   * Applies constructor options. An unknown name, or a read-only one, is a TypeError worded as
   * zeromq.js's (whose sockets are sealed objects the options are assigned to). optionSet is
   * not told: the socket has no endpoints yet, and the constructor runs before the fields of
   * the layers above exist (EndpointSocket's, which its optionSet reads).
   */
  protected applyOptions(options: { [K in keyof SocketOptions]?: unknown }): void {
    for (const [name, value] of Object.entries(options)) {
      if (value === undefined) continue
      if (READ_ONLY.has(name)) throw readOnly(name)
      if (!isSocketOption(name)) {
        throw new TypeError(`Cannot add property ${name}, object is not extensible`)
      }
      this.#store(name, value)
    }
  }

  protected setOption<K extends keyof SocketOptions>(name: K, value: unknown): void {
    this.#store(name, value)
    this.optionSet(name)
  }

  #store<K extends keyof SocketOptions>(name: K, value: unknown): void {
    this.options[name] = checkOption(name, value)
    this.mechanism = mechanismAfter(name, value, this.mechanism)
  }

  /**
   * Told after an option changed (EndpointSocket warns when it applies only to later endpoints,
   * RegisteredSocket gives inproc pipes a new SNDHWM).
   */
  protected optionSet(_name: keyof SocketOptions): void {}

  // ---- zeromq.js's numbered accessors: options by libzmq's number (see numbered-options.ts) ----

  getBoolOption(id: number): boolean {
    return this.#readNumbered(id, "bool") as boolean
  }
  setBoolOption(id: number, value: boolean): void {
    this.#writeNumbered(id, "bool", value)
  }
  getInt32Option(id: number): number {
    return this.#readNumbered(id, "int32") as number
  }
  setInt32Option(id: number, value: number): void {
    this.#writeNumbered(id, "int32", value)
  }
  getUint32Option(id: number): number {
    return this.#readNumbered(id, "uint32") as number
  }
  setUint32Option(id: number, value: number): void {
    this.#writeNumbered(id, "uint32", value)
  }
  getInt64Option(id: number): number {
    return this.#readNumbered(id, "int64") as number
  }
  setInt64Option(id: number, value: number): void {
    this.#writeNumbered(id, "int64", value)
  }
  getUint64Option(id: number): number {
    return this.#readNumbered(id, "uint64") as number
  }
  setUint64Option(id: number, value: number): void {
    this.#writeNumbered(id, "uint64", value)
  }
  getStringOption(id: number): string | null {
    return this.#readNumbered(id, "string") as string | null
  }
  setStringOption(id: number, value: string | Uint8Array | null): void {
    this.#writeNumbered(id, "string", value)
  }

  #readNumbered(id: number, accessor: NumberedAccessor): unknown {
    return numberedRead(this.options[numberedOption(id, accessor)], accessor)
  }
  #writeNumbered(id: number, accessor: NumberedAccessor, value: unknown): void {
    const name = numberedOption(id, accessor)
    this.setOption(name, numberedValue(value, accessor, this.options[name]))
  }

  /** null, "plain" or "curve", as zeromq.js reports it. */
  get securityMechanism(): null | "plain" | "curve" {
    const { name } = this.mechanism
    return name === "NULL" ? null : name === "PLAIN" ? "plain" : "curve"
  }
  /** Read-only: throws as zeromq.js does (its error names the class Socket, whatever the type). */
  set securityMechanism(_: never) {
    throw readOnly("securityMechanism")
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
  get plainServer(): boolean {
    return this.options.plainServer
  }
  set plainServer(v: boolean) {
    this.setOption("plainServer", v)
  }
  get plainUsername(): string | null {
    return this.options.plainUsername
  }
  set plainUsername(v: string | null) {
    this.setOption("plainUsername", v)
  }
  get plainPassword(): string | null {
    return this.options.plainPassword
  }
  set plainPassword(v: string | null) {
    this.setOption("plainPassword", v)
  }
  get curveServer(): boolean {
    return this.options.curveServer
  }
  set curveServer(v: boolean) {
    this.setOption("curveServer", v)
  }
  get curvePublicKey(): string | null {
    return this.options.curvePublicKey
  }
  set curvePublicKey(v: string | Uint8Array | null) {
    this.setOption("curvePublicKey", v)
  }
  get curveSecretKey(): string | null {
    return this.options.curveSecretKey
  }
  set curveSecretKey(v: string | Uint8Array | null) {
    this.setOption("curveSecretKey", v)
  }
  get curveServerKey(): string | null {
    return this.options.curveServerKey
  }
  set curveServerKey(v: string | Uint8Array | null) {
    this.setOption("curveServerKey", v)
  }
  get zapDomain(): string {
    return this.options.zapDomain
  }
  set zapDomain(v: string) {
    this.setOption("zapDomain", v)
  }
  get zapEnforceDomain(): boolean {
    return this.options.zapEnforceDomain
  }
  set zapEnforceDomain(v: boolean) {
    this.setOption("zapEnforceDomain", v)
  }
  get heartbeatInterval(): number {
    return this.options.heartbeatInterval
  }
  set heartbeatInterval(v: number) {
    this.setOption("heartbeatInterval", v)
  }
  get heartbeatTimeToLive(): number {
    return this.options.heartbeatTimeToLive
  }
  set heartbeatTimeToLive(v: number) {
    this.setOption("heartbeatTimeToLive", v)
  }
  get heartbeatTimeout(): number {
    return this.options.heartbeatTimeout
  }
  set heartbeatTimeout(v: number) {
    this.setOption("heartbeatTimeout", v)
  }
  get metadata(): Readonly<Record<string, string>> {
    return this.options.metadata
  }
  set metadata(v: Readonly<Record<string, string>>) {
    this.setOption("metadata", v)
  }
  get wssKey(): string | null {
    return this.options.wssKey
  }
  set wssKey(v: string | Uint8Array | null) {
    this.setOption("wssKey", v)
  }
  get wssCert(): string | null {
    return this.options.wssCert
  }
  set wssCert(v: string | Uint8Array | null) {
    this.setOption("wssCert", v)
  }
  get wssCa(): string | null {
    return this.options.wssCa
  }
  set wssCa(v: string | Uint8Array | null) {
    this.setOption("wssCa", v)
  }
  get wssServername(): string | null {
    return this.options.wssServername
  }
  set wssServername(v: string | null) {
    this.setOption("wssServername", v)
  }
  get backlog(): number {
    return this.options.backlog
  }
  set backlog(v: number) {
    this.setOption("backlog", v)
  }
  get affinity(): number {
    return this.options.affinity
  }
  set affinity(v: number) {
    this.setOption("affinity", v)
  }
  get rate(): number {
    return this.options.rate
  }
  set rate(v: number) {
    this.setOption("rate", v)
  }
  get recoveryInterval(): number {
    return this.options.recoveryInterval
  }
  set recoveryInterval(v: number) {
    this.setOption("recoveryInterval", v)
  }
  get socksProxy(): string | null {
    return this.options.socksProxy
  }
  set socksProxy(v: string | null) {
    this.setOption("socksProxy", v)
  }
  get wssRejectUnauthorized(): boolean {
    return this.options.wssRejectUnauthorized
  }
  set wssRejectUnauthorized(v: boolean) {
    this.setOption("wssRejectUnauthorized", v)
  }
}
