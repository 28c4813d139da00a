#include "hw/imc/adc.h"

namespace spiketlm {

Adc::Adc(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_fs_ua(param_double("full_scale_ua", 0,
                           {"full-scale input current; 0 = auto: (2^bits - 1) cell level steps (exact)", "uA", 0, 1e9})),
      m_tech(param_string("tech", "adc", {"tech-table component (action sample; area per ADC)"})),
      m_sample(action(m_tech, "sample")),
      m_samples(counter("samples", "", "ADC samples (one ADC over one PE cycle, converting its muxed columns)")),
      m_conversions(counter("conversions", "", "column conversions computed")),
      m_clipped(counter("clipped", "", "conversions clipped at full scale")) {
  m_cfg.bits = int(param_int("bits", 17, {"resolution", "bit", 1, 24}));
}

void Adc::bind_unit_current(double unit_a) {
  if (m_fs_ua <= 0) {
    m_cfg.lsb_units = 1.0;
    m_fs_a = double(m_cfg.max_level()) * unit_a;
  } else {
    m_fs_a = m_fs_ua * 1e-6;
    m_cfg.lsb_units = m_fs_a / double(m_cfg.max_level()) / unit_a;
  }
}

SPIKETLM_REGISTER_KIND(Adc, "imc.adc", "imc", "column ADC: resolution, full scale, clipping and rounding");

}  // namespace spiketlm
