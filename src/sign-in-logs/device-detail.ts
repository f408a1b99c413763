/**
 * Graph `signIn.deviceDetail` (reference §8.2) from the User-Agent header alone: the browser and
 * its major.minor version, and the operating system, in the words Entra's log uses ("Chrome 131.0",
 * "Windows 10", "MacOs", "Ios", "Android", "Linux"). Warden knows no device objects, so the
 * device's id, name and trust are empty and it is neither compliant nor managed. A header that
 * names no known browser (a script, a desktop client) leaves `browser` empty rather than guessed.
 */
export interface DeviceDetail {
  browser: string;
  deviceId: string;
  displayName: string;
  isCompliant: boolean;
  isManaged: boolean;
  operatingSystem: string;
  trustType: string;
}

// Order matters: Edge and Opera say "Chrome" too, and Chrome says "Safari".
const BROWSERS: readonly [name: string, pattern: RegExp][] = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/(\d+(?:\.\d+)?)/],
  ['Opera', /\bOPR\/(\d+(?:\.\d+)?)/],
  ['Samsung Internet', /\bSamsungBrowser\/(\d+(?:\.\d+)?)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/(\d+(?:\.\d+)?)/],
  ['Chrome', /\b(?:Chrome|CriOS|Chromium)\/(\d+(?:\.\d+)?)/],
  ['Safari', /\bVersion\/(\d+(?:\.\d+)?)(?:\.\d+)* (?:Mobile\/\S+ )?Safari\//],
  ['IE', /\b(?:MSIE (\d+\.\d+)|Trident\/7\.0;.*rv:(\d+\.\d+))/],
];

const WINDOWS: Readonly<Record<string, string>> = {
  '10.0': 'Windows 10',
  '6.3': 'Windows 8.1',
  '6.2': 'Windows 8',
  '6.1': 'Windows 7',
};

export function deviceDetailOf(userAgent: string | null | undefined): DeviceDetail {
  const ua = (userAgent ?? '').slice(0, 512);
  return {
    browser: browserOf(ua),
    deviceId: '',
    displayName: '',
    isCompliant: false,
    isManaged: false,
    operatingSystem: operatingSystemOf(ua),
    trustType: '',
  };
}

function browserOf(ua: string): string {
  for (const [name, pattern] of BROWSERS) {
    const m = pattern.exec(ua);
    if (m) {
      const version = m[1] ?? m[2];
      return version ? `${name} ${version.includes('.') ? version : `${version}.0`}` : name;
    }
  }
  return '';
}

function operatingSystemOf(ua: string): string {
  const windows = /\bWindows NT (\d+\.\d+)/.exec(ua);
  if (windows) return WINDOWS[windows[1]!] ?? 'Windows';
  if (/\b(?:iPhone|iPad|iPod)\b/.test(ua)) return 'Ios';
  if (/\bAndroid\b/.test(ua)) return 'Android';
  if (/\bCrOS\b/.test(ua)) return 'ChromeOS';
  if (/\bMac OS X\b|\bMacintosh\b/.test(ua)) return 'MacOs';
  if (/\bLinux\b/.test(ua)) return 'Linux';
  return '';
}
