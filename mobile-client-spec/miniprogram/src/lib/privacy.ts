// WeChat's privacy rule: before the first use of the camera (wx.scanCode) or the phone number,
// the resident agrees to the privacy guide, by tapping a <button open-type="agreePrivacyAuthorization">
// (components/privacy). app.ts hands WeChat's request here; the privacy panel on the page shows it.
type Resolve = (r: { event: 'agree' | 'disagree' | 'exposureAuthorization'; buttonId?: string }) => void;

let pending: Resolve | null = null;
const panels = new Set<(show: boolean) => void>();

/** app.ts: wx.onNeedPrivacyAuthorization(privacyNeeded). */
export function privacyNeeded(resolve: Resolve): void {
  pending = resolve;
  resolve({ event: 'exposureAuthorization' });
  panels.forEach((p) => p(true));
}

/** A privacy panel on the current page registers itself while attached. */
export function privacyPanel(show: (show: boolean) => void): () => void {
  panels.add(show);
  if (pending) show(true);
  return () => panels.delete(show);
}

export function privacyAnswer(agree: boolean, buttonId: string): void {
  pending?.(agree ? { event: 'agree', buttonId } : { event: 'disagree' });
  pending = null;
  panels.forEach((p) => p(false));
}
