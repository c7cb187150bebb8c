// oidc-provider ships no types; the tests use a few calls (new Provider(issuer, config).callback()).
// @types/oidc-provider would bring 17 packages (koa's types) for that.
declare module 'oidc-provider' {
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
  }
}
