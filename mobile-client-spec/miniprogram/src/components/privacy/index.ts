// The privacy panel: shown when WeChat asks for the privacy agreement (lib/privacy.ts).
import { privacyAnswer, privacyPanel } from '../../lib/index';

const detachers = new WeakMap<object, () => void>();

Component({
  data: { show: false },
  lifetimes: {
    attached() {
      detachers.set(this, privacyPanel((show) => this.setData({ show })));
    },
    detached() {
      detachers.get(this)?.();
    },
  },
  methods: {
    onAgree() {
      privacyAnswer(true, 'agree-privacy');
    },
    onDisagree() {
      privacyAnswer(false, '');
    },
    onOpen() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({});
    },
  },
});
