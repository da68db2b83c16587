// My service card: the seven building roles in order (vacant ones "暂缺"), the service centre,
// nearby services (hours today, open now, distance), emergency numbers; every number one tap
// from wx.makePhoneCall.
import {
  api, call, emergencyName, errorText, me, NOT_A_CARD_QR, ok, parseCardQr, ready, REPORT_KIND, REPORT_OTHER_MESSAGE, REPORT_THANKS, scan, SCAN_CANCELLED,
  serviceNote, VACANT, type Schemas,
} from '../../lib/index';

interface Line { key: string; title: string; name: string; phone: string; note: string; report: string }

function serviceLine(s: Schemas['ServiceSummary']): Line {
  return { key: `s${s.id}`, title: s.name, name: '', phone: s.phone ?? '', report: `service:${s.id}`, note: serviceNote(s) };
}

Component({
  data: { loading: true, needBind: false, lookup: false, bindUrl: '', error: '', message: '', address: '', roles: [] as Line[], services: [] as Line[], emergency: [] as Line[] },
  methods: {
    /** `?card=&check_code=`: any card, by its QR, without logging in (GET /cards/{n}); otherwise mine. */
    async onLoad(query: Record<string, string | undefined>) {
      if (query.card && query.check_code) return this.lookupCard(decodeURIComponent(query.card), decodeURIComponent(query.check_code));
      if (!(await ready())) return;
      try {
        const user = await me();
        if (!user.household) return this.setData({ loading: false, needBind: true });
        this.show(await ok(api.GET('/api/v1/me/card')));
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async lookupCard(card: string, code: string) {
      this.setData({ lookup: true, error: '', bindUrl: `/pages/bind/index?card=${encodeURIComponent(card)}&check_code=${encodeURIComponent(code)}` });
      try {
        const found = await ok(api.GET('/api/v1/cards/{card_number}', { params: { path: { card_number: card }, query: { check_code: code } } }));
        this.show(found);
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async onScanCard() {
      const text = await scan();
      if (text === null) return this.setData({ error: SCAN_CANCELLED });
      const got = parseCardQr(text);
      if (!got) return this.setData({ error: NOT_A_CARD_QR });
      await this.lookupCard(got.card, got.code);
    },
    show(card: Schemas['CardView']) {
      this.setData({
        loading: false, address: card.address.text,
        roles: card.role_contacts.map((r) => ({ key: r.role, title: r.title, name: r.name ?? '', phone: r.phone ?? '', note: r.phone ? '' : VACANT, report: r.contact_id ? `role:${r.contact_id}` : '' })),
        services: [...(card.service_centre ? [card.service_centre] : []), ...card.nearby.flatMap((g) => g.services)].map(serviceLine),
        emergency: card.emergency_numbers.map((n) => ({
          key: n.number, title: emergencyName(n), name: '', phone: n.number, note: '', report: '',
        })),
      });
    },
    onCall(e: WechatMiniprogram.TouchEvent) {
      const phone = String(e.currentTarget.dataset.phone ?? '');
      if (phone) call(phone);
    },
    /** 报错 (signed in only): what is wrong, from WeChat's action sheet, sent as a directory report. */
    async onReport(e: WechatMiniprogram.TouchEvent) {
      const [what, id] = String(e.currentTarget.dataset.report).split(':');
      const picked = await wx.showActionSheet({ itemList: REPORT_KIND.map(([, label]) => label) }).catch(() => null);
      if (!picked) return;
      const kind = REPORT_KIND[picked.tapIndex][0];
      const target = what === 'role' ? { role_contact_id: Number(id) } : { service_id: Number(id) };
      try {
        await ok(api.POST('/api/v1/directory-reports', { body: { ...target, kind, message: kind === 'other' ? REPORT_OTHER_MESSAGE : undefined } }));
        this.setData({ message: REPORT_THANKS, error: '' });
      } catch (err) {
        this.setData({ error: errorText(err), message: '' });
      }
    },
    goBind() {
      void wx.navigateTo({ url: this.data.bindUrl || '/pages/bind/index' });
    },
  },
});
