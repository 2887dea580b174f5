// Signed, expiring links to job log pages: `/jobs/42?exp=<unix seconds>&sig=<HMAC-SHA256, base64url>`.
// Anyone with the link may read the page until it expires; nobody can make one for another job, or
// stretch its expiry, without the secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkCheck = { ok: true } | { ok: false; reason: 'missing' | 'bad-signature' | 'expired' };

export class LinkSigner {
  constructor(
    private readonly secret: string | Buffer,
    private readonly ttlMs: number,
    /** Public base URL of the HTTP server, e.g. https://deckhand.example.org (no trailing slash needed). */
    readonly baseUrl = '',
  ) {
    if (!secret || secret.length < 16) throw new Error('the link secret must be at least 16 characters');
  }

  /** The same signer, linking to another base URL. */
  withBaseUrl(baseUrl: string): LinkSigner {
    return new LinkSigner(this.secret, this.ttlMs, baseUrl);
  }

  private mac(id: number, exp: number): string {
    return createHmac('sha256', this.secret).update(`jobs/${id}.${exp}`).digest('base64url');
  }

  /** Path and query of a signed link. */
  path(id: number, now = Date.now()): string {
    const exp = Math.floor((now + this.ttlMs) / 1000);
    return `/jobs/${id}?exp=${exp}&sig=${this.mac(id, exp)}`;
  }

  url(id: number, now = Date.now()): string {
    return `${this.baseUrl.replace(/\/+$/, '')}${this.path(id, now)}`;
  }

  /** Constant-time check of the signature, then the expiry. */
  verify(id: number, exp: string | null | undefined, sig: string | null | undefined, now = Date.now()): LinkCheck {
    if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return { ok: false, reason: 'missing' };
    const want = Buffer.from(this.mac(id, Number(exp)));
    const got = Buffer.from(sig);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: 'bad-signature' };
    if (Number(exp) * 1000 < now) return { ok: false, reason: 'expired' };
    return { ok: true };
  }
}
