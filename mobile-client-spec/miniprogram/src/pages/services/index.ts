// 找服务: search the services near my compound by keyword (hours today, open now, distance), each
// phone one tap from wx.makePhoneCall.
import { api, call, errorText, me, ok, ready, serviceNote } from '../../lib/index';

interface Service { id: number; name: string; note: string; address: string; phone: string }

let near: number | undefined;

Component({
  data: { loading: true, error: '', q: '', searched: '', results: [] as Service[], empty: '' },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      try {
        near = (await me()).household?.address.compound.id;
        if (near) await this.search();
        else this.setData({ loading: false });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    onQ(e: WechatMiniprogram.Input) {
      this.setData({ q: e.detail.value });
    },
    async search() {
      const q = this.data.q.trim();
      try {
        const found = await ok(api.GET('/api/v1/services', { params: { query: { q: q || undefined, near_compound_id: near, per_page: 20 } } }));
        this.setData({
          loading: false, error: '', searched: q,
          empty: found.items.length ? '' : q ? `没有找到“${q}”相关的服务，请换个词试试` : '附近还没有登记的服务',
          results: found.items.map((s) => ({
            id: s.id, name: s.name, address: s.address, phone: s.phone ?? '',
            note: serviceNote(s),
          })),
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    onCall(e: WechatMiniprogram.TouchEvent) {
      const phone = String(e.currentTarget.dataset.phone ?? '');
      if (phone) call(phone);
    },
  },
});
