import assert from 'node:assert/strict';

/** A minimal browser stand-in: keeps cookies, follows redirects by hand, reads and posts forms. */
export class UserAgent {
  readonly cookies = new Map<string, string>();
  lastPage = '';
  lastStatus = 0;
  lastUrl = '';

  #store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.#store(response);
    return response;
  }

  /**
   * Follows redirects until a page is shown or a redirect leaves Warden (to the relying party),
   * and returns that final URL. Pages are kept in `lastPage`.
   */
  async navigate(url: string, init: { form?: Record<string, string> } = {}): Promise<string> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current).toString();
        if (new URL(next).origin !== new URL(url).origin) return next;
        current = next;
        response = await this.request(current);
        continue;
      }
      this.lastStatus = response.status;
      this.lastUrl = current;
      this.lastPage = await response.text();
      return current;
    }
    throw new Error('too many redirects');
  }

  /** Values of the form on the current page whose hidden `action` field is `action`. */
  formFor(action: string): { url: string; fields: Record<string, string> } {
    const forms = this.lastPage.split('<form').slice(1);
    const form = forms.find((f) => f.includes(`name="action" value="${action}"`));
    assert.ok(form, `no form for action "${action}" on page:\n${this.lastPage.slice(0, 1500)}`);
    const target = /action="([^"]+)"/.exec(form)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(form)![1]!;
    return {
      url: new URL(target.replaceAll('&amp;', '&'), this.lastUrl).toString(),
      fields: { csrf, action },
    };
  }

  async submit(action: string, values: Record<string, string> = {}): Promise<string> {
    const { url, fields } = this.formFor(action);
    return this.navigate(url, { form: { ...fields, ...values } });
  }

  title(): string {
    return /<h1 id="page-title">([^<]*)<\/h1>/.exec(this.lastPage)?.[1] ?? '';
  }

  /**
   * What the current page is, as the page says it in `data-step` (the state of the sign-in flow,
   * `consent`, a device-code page, `message`/`error`); '' when the page has none (not Warden's).
   */
  step(): string {
    return /<main\b[^>]*\bdata-step="([^"]*)"/.exec(this.lastPage)?.[1] ?? '';
  }
}
