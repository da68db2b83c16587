// My charging: the current session live (power, energy, duration), asked for again every few
// seconds while it is open and the page is on show, then its result (energy, duration, the stop
// reason's Chinese message). The model and every word come from the shared core (sessionModel),
// as on the web app's #/session screen.
import { SESSION_POLL_MS, SESSION_STATE, SESSION_TEXT, api, currentSession, errorText, ok, ready, sessionModel, type SessionModel } from '../../lib/index';

interface Past { id: number; when: string; state: string; line: string }

let timer: ReturnType<typeof setTimeout> | undefined;

Component({
  data: {
    loading: true, error: '', stale: '', text: SESSION_TEXT,
    current: null as SessionModel | null, heading: '', history: [] as Past[],
  },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    onShow() {
      if (!this.data.loading) void this.load();
    },
    onHide() {
      clearTimeout(timer);
    },
    onUnload() {
      clearTimeout(timer);
    },
    async load() {
      clearTimeout(timer);
      try {
        const page = await ok(api.GET('/api/v1/me/charging-sessions', { params: { query: { per_page: 10 } } }));
        const cur = currentSession(page.items);
        const current = cur ? sessionModel(cur) : null;
        const history = page.items.filter((s) => s.id !== cur?.id).map((s) => {
          const m = sessionModel(s);
          return { id: s.id, when: m.when, state: SESSION_STATE[s.state], line: m.facts.map((f) => `${f.label} ${f.value}`).join(' · ') || m.message };
        });
        this.setData({
          loading: false, error: '', stale: '', current, history,
          heading: current?.open ? SESSION_TEXT.live : SESSION_TEXT.result,
        });
        if (current?.open) timer = setTimeout(() => void this.load(), SESSION_POLL_MS);
      } catch (e) {
        if (this.data.current?.open) {
          this.setData({ stale: SESSION_TEXT.stale });
          timer = setTimeout(() => void this.load(), SESSION_POLL_MS);
        } else {
          this.setData({ loading: false, error: errorText(e) });
        }
      }
    },
    onBookings() {
      void wx.navigateTo({ url: '/pages/bookings/index' });
    },
  },
});
