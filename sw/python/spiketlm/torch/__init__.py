"""spiketlm.torch: export a PyTorch SNN to spiketlm (pure Python; needs torch and numpy).

    import spiketlm, spiketlm.torch as st
    model = nn.Sequential(nn.Conv2d(1, 8, 3, bias=False), nn.BatchNorm2d(8), st.LIF(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 13 * 13, 10, bias=False))
    ... train: out = st.simulate(model, x, T).sum(0); loss = cross_entropy(out, y) ...
    res = st.export_bundle(model, x_test, "my_bundle", timesteps=T, labels=y_test)
    print(res)                                   # float vs integer accuracy, agreement
    r = spiketlm.run("platforms/sata/sata.yaml", trace="my_bundle")

The guide: traces/EXPORT.md. Neurons and the mapping of snnTorch's Leaky and SpikingJelly's
LIFNode: spiketlm.torch.neuron. The float-to-integer recipe: spiketlm.torch.export.
"""
from .ann import export_ann
from .export import ExportError, ExportResult, export_bundle, hardware_leak, quantize_input
from .neuron import IF, LI, LIF, predict, reset_state, simulate
from .nir import export_nir
from .qat import quantization_aware

__all__ = ["LIF", "IF", "LI", "simulate", "predict", "reset_state", "export_bundle", "ExportResult", "ExportError",
           "quantization_aware", "quantize_input", "hardware_leak", "export_nir", "export_ann"]
