"""Public checks of the neural-networks assignment: run them with ``course check``.

Small fixed examples only; the hidden checks compare your gradients with torch autograd,
your optimisers with ``torch.optim`` and train on stellar spectra you have not seen.
"""
import numpy as np
import pytest


@pytest.mark.points(1)
def test_activations_by_hand(student):
    """relu, sigmoid and softmax at a few points worked out by hand."""
    nn = student.neural_network
    z = np.array([[-2.0, 0.0, 3.0]])
    assert np.allclose(nn.relu(z), [[0.0, 0.0, 3.0]])
    assert np.allclose(nn.sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75])
    assert np.allclose(nn.softmax(np.array([[0.0, np.log(3.0)], [1000.0, 1000.0]])), [[0.25, 0.75], [0.5, 0.5]])


@pytest.mark.points(1)
def test_gradient_check(student):
    """backward agrees with central finite differences of the half-MSE loss on a tiny
    2-3-1 tanh network (the gradient check of the lecture)."""
    nn = student.neural_network
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    coefs, intercepts = [rng.normal(size=(2, 3)), rng.normal(size=(3, 1))], [rng.normal(size=3), rng.normal(size=1)]

    def loss(c):
        return nn.mse_loss(nn.forward(X, c, intercepts, "tanh")["A"][-1], y)[0]

    cache = nn.forward(X, coefs, intercepts, "tanh")
    grads, _ = nn.backward(cache, coefs, nn.mse_loss(cache["A"][-1], y)[1], "tanh")
    h = 1e-6
    for layer in range(2):
        for idx in np.ndindex(coefs[layer].shape):
            up = [W.copy() for W in coefs]
            down = [W.copy() for W in coefs]
            up[layer][idx] += h
            down[layer][idx] -= h
            assert abs((loss(up) - loss(down)) / (2 * h) - grads[layer][idx]) < 1e-6


@pytest.mark.points(1)
def test_one_adam_step(student):
    """The first Adam step moves every parameter by about the learning rate, against the
    sign of its gradient (the bias correction makes m_hat / sqrt(v_hat) = sign(g))."""
    p = np.array([1.0, 2.0, -3.0])
    opt = student.neural_network.Adam([p], learning_rate=0.1)
    opt.step([np.array([0.5, -2.0, 1e-3])])
    assert np.allclose(opt.params[0], [0.9, 2.1, -3.1], atol=1e-4)


@pytest.mark.points(1)
def test_xor_hand_weights(student):
    """The hand-set 2-2-1 ReLU network of the lecture computes XOR exactly."""
    nn = student.neural_network
    X, y = nn.xor_data()
    coefs, intercepts = nn.xor_hand_weights()
    assert np.allclose(nn.forward(X, coefs, intercepts, "relu")["A"][-1][:, 0], y)


@pytest.mark.points(1)
def test_train_network_runs(student):
    """train_network returns one training and one validation MSE per epoch, and the
    training MSE goes down on an easy problem."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    res = student.spectra.train_network(X[:60], y[:60], X[60:], y[60:], [16], epochs=20, learning_rate=1e-2)
    assert np.shape(res["train_mse"]) == (20,) and np.shape(res["val_mse"]) == (20,)
    assert res["train_mse"][-1] < 0.5 * res["train_mse"][0]
