// The dashboard's size budget: the built page (HTML + script + style) stays within 60 KB gzipped, and is
// self-contained (no CDN: nothing is loaded from another origin).
import { describe, expect, it } from 'vitest';
import { buildDashboard, DASHBOARD_BUDGET_GZIP } from '../../web/build.js';

describe('dashboard bundle', () => {
  it('is within its gzip budget and loads nothing from another origin', async () => {
    const b = await buildDashboard();
    expect(Object.keys(b.files).sort()).toEqual(['dashboard.css', 'dashboard.js', 'index.html']);
    expect(b.gzipTotal).toBeGreaterThan(1_000); // a real bundle, not an empty file
    expect(b.gzipTotal).toBeLessThanOrEqual(DASHBOARD_BUDGET_GZIP);
    const html = new TextDecoder().decode(b.files['index.html']);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    const js = new TextDecoder().decode(b.files['dashboard.js']);
    expect(js).not.toMatch(/import\s*["'][^"'.]/); // every import is bundled
  });
});
