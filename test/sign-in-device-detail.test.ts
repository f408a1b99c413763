import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceDetailOf } from '../src/sign-in-logs/device-detail.ts';

describe('reference §8.2: signIn.deviceDetail from the User-Agent header', () => {
  it('reference §8.2: browser with major.minor version and operating system, as Entra words them', () => {
    const cases: [string, string, string][] = [
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36',
        'Chrome 131.0',
        'Windows 10',
      ],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70',
        'Edge 131.0',
        'Windows 10',
      ],
      ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133.0', 'Linux'],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
        'Safari 18.1',
        'MacOs',
      ],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
        'Safari 18.1',
        'Ios',
      ],
      [
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
        'Chrome 131.0',
        'Android',
      ],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0',
        'Opera 115.0',
        'Windows 10',
      ],
      ['Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko', 'IE 11.0', 'Windows 7'],
      [
        'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
        'Chrome 120.0',
        'ChromeOS',
      ],
    ];
    for (const [ua, browser, os] of cases) {
      const detail = deviceDetailOf(ua);
      assert.equal(detail.browser, browser, ua);
      assert.equal(detail.operatingSystem, os, ua);
    }
  });

  it('reference §8.2: a script or desktop client (no browser named) and a missing header leave the fields empty, never guessed; no device is known', () => {
    for (const ua of ['node', 'python-requests/2.31.0', 'curl/8.5.0', '', undefined, null]) {
      const detail = deviceDetailOf(ua);
      assert.equal(detail.browser, '', String(ua));
      assert.equal(detail.operatingSystem, '', String(ua));
    }
    assert.deepEqual(deviceDetailOf('x'), {
      browser: '',
      deviceId: '',
      displayName: '',
      isCompliant: false,
      isManaged: false,
      operatingSystem: '',
      trustType: '',
    });
  });
});
